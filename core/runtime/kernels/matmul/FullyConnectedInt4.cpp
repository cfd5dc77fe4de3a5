#include "runtime/kernels/matmul/FullyConnectedInt4.h"

#include "quant/SubByte.h"
#include "quant/XnnpackDynamic.h"
#include "util/Float16.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::rt::fc {

Status unpackInt4Weights(const KernelContext& ctx, const RtTensor& w, std::vector<int8_t>& out) {
    if (!w.constant)
        return ctx.error(
            mm::label(w, "weights") +
            " is int4 but not constant; int4 weights are read from the model's buffer");
    const size_t count = static_cast<size_t>(w.elementCount());
    out = int4ConstantValues({w.data, w.bytes}, count);
    if (out.size() != count)
        return ctx.error(mm::label(w, "weights") + " holds " + std::to_string(w.bytes) +
                         " bytes, expected " + std::to_string((count + 1) / 2) + " for " +
                         std::to_string(count) + " packed int4 values");
    return {};
}

Status loadBlockwiseScales(const KernelContext& ctx, const RtTensor& w, FcShape s,
                           BlockwiseWeights& out) {
    const BlockwiseParams& b = *w.quant->blockwise;
    const std::string who = mm::label(w, "weights");
    // The loader checked indices, shapes and buffer sizes (tflite/Validate.cpp).
    if (w.type != TensorType::INT4)
        return ctx.error(who + " is " + std::string(typeName(w.type)) +
                         " with blockwise scales; the runtime runs int4 blocks only");
    if (b.blockSize % 32 != 0)
        return ctx.error(who + " has block_size " + std::to_string(b.blockSize) +
                         "; the runtime (XNNPACK's qb4w kernels) needs a multiple of 32");
    const Tensor& scales = ctx.subgraph().tensor(b.scales);
    if (scales.type != TensorType::FLOAT16)
        return ctx.error(who + ": its block scales '" + scales.name + "' are " +
                         std::string(typeName(scales.type)) +
                         "; the runtime takes float16 block scales only (it refuses float32 ones)");
    if (b.zeroPoints.valid()) {
        const Tensor& zp = ctx.subgraph().tensor(b.zeroPoints);
        const auto bytes = ctx.model().buffer(zp.buffer).bytes();
        if (std::any_of(bytes.begin(), bytes.end(), [](uint8_t v) { return v != 0; }))
            return ctx.error(who + ": its block zero points '" + zp.name +
                             "' are not all 0; the runtime runs symmetric blocks only");
    }
    const size_t blocks = size_t(s.depth) / size_t(b.blockSize);
    const size_t n = size_t(s.units) * blocks;
    const auto bytes = ctx.model().buffer(scales.buffer).bytes();
    if (bytes.size() != n * 2)
        return ctx.error(who + ": its block scales '" + scales.name + "' hold " +
                         std::to_string(bytes.size()) + " bytes, expected " +
                         std::to_string(n * 2));
    out.blockSize = b.blockSize;
    out.scales.resize(n);
    for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes.data() + 2 * i, 2);
        const float v = halfToFloat(h);
        if (!std::isfinite(v) || v <= 0.0f)
            return ctx.error(who + ": blockwise scale[" + std::to_string(i) + "] (unit " +
                             std::to_string(i / blocks) + ", block " + std::to_string(i % blocks) +
                             ") of '" + scales.name + "' is " + std::to_string(v) +
                             ", expected a positive finite number");
        out.scales[i] = xnn::roundToBfloat16(v);
    }
    return {};
}

void fullyConnectedQd8(const float* in, const int8_t* weights, std::span<const float> weightScales,
                       const float* bias, float* out, FcShape s, float actMin, float actMax,
                       int8_t* quantized) {
    const size_t depth = size_t(s.depth);
    for (int b = 0; b < s.batches; ++b) {
        const xnn::DynamicQuant p = xnn::quantizeRowQd8(in + size_t(b) * depth, depth, quantized);
        for (int u = 0; u < s.units; ++u) {
            const int8_t* w = weights + size_t(u) * depth;
            // acc = sum (q - zp) * w, exact in int32: |q - zp| <= 255, |w| <= 128, depth < 2^16
            // keeps it far below 2^31 for any layer the runtime builds.
            int32_t acc = 0, wsum = 0;
            for (size_t d = 0; d < depth; ++d) {
                acc += int32_t(quantized[d]) * int32_t(w[d]);
                wsum += w[d];
            }
            acc -= p.zeroPoint * wsum;
            float v = float(acc) * p.scale;
            v *= weightScales.size() == 1 ? weightScales[0] : weightScales[size_t(u)];
            if (bias) v += bias[u];
            out[size_t(b) * size_t(s.units) + size_t(u)] = std::min(std::max(v, actMin), actMax);
        }
    }
}

void fullyConnectedQd8Blockwise(const float* in, const int8_t* weights,
                                const BlockwiseWeights& blocks, const float* bias, float* out,
                                FcShape s, float actMin, float actMax, int8_t* quantized) {
    const size_t depth = size_t(s.depth);
    const size_t bl = size_t(blocks.blockSize);
    const size_t nb = depth / bl;
    for (int b = 0; b < s.batches; ++b) {
        const xnn::DynamicQuant p = xnn::quantizeRowQd8(in + size_t(b) * depth, depth, quantized);
        for (int u = 0; u < s.units; ++u) {
            const int8_t* w = weights + size_t(u) * depth;
            const float* sc = blocks.scales.data() + size_t(u) * nb;
            // The packed "k scaled sum" -sum_b s_b * sum_block w, times the row's zero point, is
            // where the float accumulator starts; each block's exact int32 sum is then scaled by
            // its own scale and added, in block order.
            float ksum = 0.0f;
            for (size_t k = 0; k < nb; ++k) {
                int32_t wsum = 0;
                for (size_t d = k * bl; d < (k + 1) * bl; ++d)
                    wsum += w[d];
                ksum -= float(wsum) * sc[k];
            }
            float v = ksum * float(p.zeroPoint);
            for (size_t k = 0; k < nb; ++k) {
                int32_t acc = 0;
                for (size_t d = k * bl; d < (k + 1) * bl; ++d)
                    acc += int32_t(quantized[d]) * int32_t(w[d]);
                v += float(acc) * sc[k];
            }
            v *= p.scale;
            if (bias) v += bias[u];
            out[size_t(b) * size_t(s.units) + size_t(u)] = std::min(std::max(v, actMin), actMax);
        }
    }
}

} // namespace ql::rt::fc
