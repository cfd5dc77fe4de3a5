#pragma once
// On-the-fly input quantization of TFLite's hybrid (dynamic range) kernels, as in
// tensor_utils::PortableSymmetricQuantizeFloats / PortableAsymmetricQuantizeFloats: one scale
// (and zero point) per batch, computed from the batch's own min/max at every run.

#include <cstdint>
#include <span>

namespace ql::rt::conv {

// scale = max(|min|, |max|) / 127; q = clamp(round(x * (127 / range)), -127, 127).
// An all-zero batch gives scale 1 and q = 0.
float symmetricQuantize(std::span<const float> values, std::span<int8_t> quantized);

// rmin = min(0, min), rmax = max(0, max); scale = (rmax - rmin) / 255 in double; the zero
// point is nudged from whichever end has the smaller error, then
// q = clamp(round(zp + x * (1 / scale)), -128, 127) with the inverse scale in float.
struct AsymmetricParams {
    float scale = 1.0f;
    int32_t zeroPoint = 0;
};
AsymmetricParams asymmetricQuantize(std::span<const float> values, std::span<int8_t> quantized);

} // namespace ql::rt::conv
