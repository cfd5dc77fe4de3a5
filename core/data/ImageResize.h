#pragma once
// Image geometry for image sources: which layout a model input has, and bilinear resizing.

#include "data/DataSource.h"

#include <cstdint>

namespace ql::data {

struct ImageLayout {
    int batch = 1;
    int height = 0, width = 0, channels = 0; // channels 1 or 3
    bool nchw = false;                         // [N, C, H, W] instead of [N, H, W, C]
};

// [N, H, W, C] (C = 1 or 3), else [N, C, H, W] (C = 1 or 3, e.g. [1, 3, 224, 224]), or
// [N, H, W] (gray). NHWC wins when both readings fit. An error names the input otherwise.
Result<ImageLayout> imageLayout(const InputInfo& input);

// Bilinear resize with half-pixel centres (TF's resize_bilinear with half_pixel_centers, OpenCV
// INTER_LINEAR): output pixel (x, y) samples the source at ((x + 0.5) * sw / dw - 0.5, ...),
// clamped to the edges. Interleaved HWC in, interleaved HWC floats out (no rounding, so that
// normalisation sees the exact interpolated value). Equal sizes copy.
void resizeBilinear(const uint8_t* src, int srcWidth, int srcHeight, int channels, float* dst, int dstWidth,
                    int dstHeight);

} // namespace ql::data
