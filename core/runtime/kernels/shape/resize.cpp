// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR on NHWC tensors.
// Nearest neighbour only selects elements: generic over the element size, with TFLite's
// GetNearestNeighbor (reference resize_nearest_neighbor.h).
// Bilinear computes: float as TFLite's reference ResizeBilinear; uint8 as the same float
// formula with a +0.5 rounding offset before truncation (reference ResizeBilinear<T> for
// integer T); int8 and int16 as ResizeBilinearInteger: positions in 1/1024 steps and a
// 20-bit product rounded away from zero (TFLite's default double rounding) or by adding
// 2^19 then shifting (single rounding). Under Target::TfliteCpu, int8 and uint8 bilinear with a
// constant size follow XNNPACK's 11-bit fixed point instead (resizeBilinearXnnpack), float its
// float interpolation (resizeBilinearXnnpackF32).
#include "runtime/kernels/UnfusedFloat.h"
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

struct ResizeGeometry {
    bool alignCorners = false, halfPixelCenters = false;
};

// Float source coordinate and its two neighbours (ComputeInterpolationValues).
void interpolationValues(int value, float scale, bool halfPixel, int32_t inputSize, float& scaled, int32_t& lower, int32_t& upper) {
    scaled = halfPixel ? (static_cast<float>(value) + 0.5f) * scale - 0.5f : static_cast<float>(value) * scale;
    lower = std::max(static_cast<int32_t>(std::floor(scaled)), 0);
    upper = std::min(static_cast<int32_t>(std::ceil(scaled)), inputSize - 1);
}

// 10-bit fixed-point variant (ComputeInterpolationValuesInteger).
void interpolationValuesInteger(int32_t value, int32_t scale10, bool halfPixel, int32_t inputSize, int32_t& scaled, int32_t& lower,
                                int32_t& upper) {
    scaled = halfPixel ? value * scale10 + scale10 / 2 - (1 << 9) : value * scale10;
    lower = std::max(scaled / (1 << 10), 0);
    upper = std::min((scaled + (1 << 10) - 1) / (1 << 10), inputSize - 1);
}

template <class T>
void resizeBilinearFloat(const RtTensor& in, RtTensor& out, const ResizeGeometry& g) {
    const int32_t B = in.dim(0), iH = in.dim(1), iW = in.dim(2), C = in.dim(3), oH = out.dim(1), oW = out.dim(2);
    float hScale = static_cast<float>(iH) / oH, wScale = static_cast<float>(iW) / oW;
    if (g.alignCorners && oH > 1) hScale = static_cast<float>(iH - 1) / (oH - 1);
    if (g.alignCorners && oW > 1) wScale = static_cast<float>(iW - 1) / (oW - 1);
    const float rounding = std::is_integral_v<T> ? 0.5f : 0.0f;
    const T* src = in.as<T>();
    T* dst = out.as<T>();
    const auto at = [&](int b, int y, int x, int c) { return src[((int64_t(b) * iH + y) * iW + x) * C + c]; };
    for (int b = 0; b < B; ++b)
        for (int y = 0; y < oH; ++y) {
            float iy;
            int32_t y0, y1;
            interpolationValues(y, hScale, g.halfPixelCenters, iH, iy, y0, y1);
            for (int x = 0; x < oW; ++x) {
                float ix;
                int32_t x0, x1;
                interpolationValues(x, wScale, g.halfPixelCenters, iW, ix, x0, x1);
                const float dy = iy - y0, dx = ix - x0;
                for (int c = 0; c < C; ++c)
                    *dst++ = static_cast<T>(at(b, y0, x0, c) * (1 - dy) * (1 - dx) + at(b, y1, x0, c) * dy * (1 - dx) +
                                            at(b, y0, x1, c) * (1 - dy) * dx + at(b, y1, x1, c) * dy * dx + rounding);
            }
        }
}

template <class T>
void resizeBilinearInteger(const RtTensor& in, RtTensor& out, const ResizeGeometry& g, Rounding rounding) {
    const int32_t B = in.dim(0), iH = in.dim(1), iW = in.dim(2), C = in.dim(3), oH = out.dim(1), oW = out.dim(2);
    int32_t hScale = ((1 << 10) * iH + oH / 2) / oH;
    int32_t wScale = ((1 << 10) * iW + oW / 2) / oW;
    if (g.alignCorners && oH > 1) hScale = ((1 << 10) * (iH - 1) + (oH - 1) / 2) / (oH - 1);
    if (g.alignCorners && oW > 1) wScale = ((1 << 10) * (iW - 1) + (oW - 1) / 2) / (oW - 1);
    const T* src = in.as<T>();
    T* dst = out.as<T>();
    const auto at = [&](int b, int y, int x, int c) -> int64_t { return src[((int64_t(b) * iH + y) * iW + x) * C + c]; };
    for (int b = 0; b < B; ++b)
        for (int y = 0; y < oH; ++y) {
            int32_t iy, y0, y1;
            interpolationValuesInteger(y, hScale, g.halfPixelCenters, iH, iy, y0, y1);
            const int64_t wy1 = iy - (1 << 10) * y0, wy0 = (1 << 10) - wy1;
            for (int x = 0; x < oW; ++x) {
                int32_t ix, x0, x1;
                interpolationValuesInteger(x, wScale, g.halfPixelCenters, iW, ix, x0, x1);
                const int64_t wx1 = ix - (1 << 10) * x0, wx0 = (1 << 10) - wx1;
                for (int c = 0; c < C; ++c) {
                    const int64_t v = at(b, y0, x0, c) * wy0 * wx0 + at(b, y1, x0, c) * wy1 * wx0 + at(b, y0, x1, c) * wy0 * wx1 +
                                      at(b, y1, x1, c) * wy1 * wx1;
                    int64_t r;
                    if (rounding == Rounding::Single) r = (v + (1 << 19)) >> 20;
                    else r = (v + (v > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);
                    *dst++ = static_cast<T>(r);
                }
            }
        }
}

// XNNPACK's 8-bit bilinear resize (what the delegate runs for int8/uint8 RESIZE_BILINEAR with a
// constant size: xnn_indirection_init_resize_bilinear2d_hwc_q11 and the s8/u8 ibilinear scalar
// microkernels). Source coordinates in float (align_corners: (in - 1) / (out - 1) steps; half
// pixel centers: offset 0.5 scale - 0.5, clamped to [0, in - 1]; otherwise TensorFlow's legacy
// out * in / out), each fraction rounded to 11 bits, lrintf(alpha * 2048); then in integers
//   top = (tl << 11) + (tr - tl) ax, bottom = (bl << 11) + (br - bl) ax,
//   out = ((top << 11) + (bottom - top) ay + 2^21) >> 22   (arithmetic shift).
struct XnnTap {
    int32_t lower = 0, upper = 0, alpha = 0; // alpha in 1/2048
    float alphaF = 0;                        // the float fraction (f32 kernel)
};
std::vector<XnnTap> xnnTaps(int32_t inputSize, int32_t outputSize, const ResizeGeometry& g) {
    const int32_t adjust = g.alignCorners && outputSize != 1 ? 1 : 0;
    const float scale = static_cast<float>(inputSize - adjust) / static_cast<float>(outputSize - adjust);
    const float offset = 0.5f * scale - 0.5f;
    const bool legacy = !g.halfPixelCenters; // align_corners or TensorFlow's legacy mode: no offset, no clamp
    std::vector<XnnTap> taps(static_cast<size_t>(outputSize));
    for (int32_t o = 0; o < outputSize; ++o) {
        float v = static_cast<float>(o) * scale;
        if (!legacy) v = std::min(std::max(v + offset, 0.0f), static_cast<float>(inputSize - 1));
        XnnTap& t = taps[static_cast<size_t>(o)];
        t.lower = static_cast<int32_t>(v);
        t.upper = std::min(t.lower + 1, inputSize - 1);
        t.alphaF = v - static_cast<float>(t.lower);
        t.alpha = static_cast<int32_t>(std::nearbyint(t.alphaF * 2048.0f));
    }
    return taps;
}

template <class T> void resizeBilinearXnnpack(const RtTensor& in, RtTensor& out, const ResizeGeometry& g) {
    const int32_t B = in.dim(0), iH = in.dim(1), iW = in.dim(2), C = in.dim(3), oH = out.dim(1), oW = out.dim(2);
    const std::vector<XnnTap> ys = xnnTaps(iH, oH, g), xs = xnnTaps(iW, oW, g);
    const T* src = in.as<T>();
    T* dst = out.as<T>();
    const auto at = [&](int b, int y, int x, int c) -> int64_t { return src[((int64_t(b) * iH + y) * iW + x) * C + c]; };
    for (int b = 0; b < B; ++b)
        for (const XnnTap& ty : ys)
            for (const XnnTap& tx : xs)
                for (int c = 0; c < C; ++c) {
                    const int64_t tl = at(b, ty.lower, tx.lower, c), tr = at(b, ty.lower, tx.upper, c);
                    const int64_t bl = at(b, ty.upper, tx.lower, c), br = at(b, ty.upper, tx.upper, c);
                    const int64_t top = tl * 2048 + (tr - tl) * tx.alpha, bottom = bl * 2048 + (br - bl) * tx.alpha;
                    const int64_t acc = top * 2048 + (bottom - top) * ty.alpha; // |acc| < 2^30: int32 in XNNPACK
                    *dst++ = static_cast<T>((acc + (int64_t(1) << 21)) >> 22);
                }
}

// XNNPACK's float bilinear resize (xnn_indirection_init_resize_bilinear2d_hwc_f32 and the
// f32 ibilinear micro-kernels): the same source coordinates as above with the fractions kept in
// float, then per channel, each product rounded before it is added (UnfusedFloat.h):
//   t = tl + (tr - tl) ax, b = bl + (br - bl) ax, out = t + (b - t) ay.
void resizeBilinearXnnpackF32(const RtTensor& in, RtTensor& out, const ResizeGeometry& g) {
    const int32_t B = in.dim(0), iH = in.dim(1), iW = in.dim(2), C = in.dim(3), oH = out.dim(1), oW = out.dim(2);
    const std::vector<XnnTap> ys = xnnTaps(iH, oH, g), xs = xnnTaps(iW, oW, g);
    const float* src = in.as<float>();
    float* dst = out.as<float>();
    const auto at = [&](int b, int y, int x, int c) { return src[((int64_t(b) * iH + y) * iW + x) * C + c]; };
    for (int b = 0; b < B; ++b)
        for (const XnnTap& ty : ys)
            for (const XnnTap& tx : xs)
                for (int c = 0; c < C; ++c) {
                    const float tl = at(b, ty.lower, tx.lower, c), tr = at(b, ty.lower, tx.upper, c);
                    const float bl = at(b, ty.upper, tx.lower, c), br = at(b, ty.upper, tx.upper, c);
                    const float top = mulThenAdd(tl, tr - tl, tx.alphaF), bottom = mulThenAdd(bl, br - bl, tx.alphaF);
                    *dst++ = mulThenAdd(top, bottom - top, ty.alphaF);
                }
}

// TFLite's GetNearestNeighbor.
int32_t nearestNeighbor(int value, int32_t inputSize, int32_t outputSize, const ResizeGeometry& g) {
    const float scale = (g.alignCorners && outputSize > 1) ? (inputSize - 1) / static_cast<float>(outputSize - 1)
                                                           : inputSize / static_cast<float>(outputSize);
    const float offset = g.halfPixelCenters ? 0.5f : 0.0f;
    const float pos = (static_cast<float>(value) + offset) * scale;
    int32_t out = std::min(g.alignCorners ? static_cast<int32_t>(std::round(pos)) : static_cast<int32_t>(std::floor(pos)), inputSize - 1);
    if (g.halfPixelCenters) out = std::max(out, 0);
    return out;
}

class Resize : public PlannedKernel {
public:
    explicit Resize(const Operator& op) : m_bilinear(op.op == BuiltinOp::RESIZE_BILINEAR) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& size = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        if (Status s = requireSameType(ctx, in, out); !s) return s;
        if (in.rank() != 4) return ctx.error("input shape " + shapeText(in.shape) + " must be 4-D (NHWC)");
        if (size.type != TensorType::INT32 || size.elementCount() != 2)
            return ctx.error("size " + tensorName(size) + " must be 2 int32 values, but is " + std::string(typeName(size.type)) + " " +
                             shapeText(size.shape));
        if (m_bilinear) {
            const auto o = optionsOr<tflite::ResizeBilinearOptionsT>(ctx);
            m_geometry = {o.align_corners, o.half_pixel_centers};
            const TensorType t = in.type;
            if (t != TensorType::FLOAT32 && t != TensorType::UINT8 && t != TensorType::INT8 && t != TensorType::INT16)
                return ctx.error("input type " + std::string(typeName(t)) + " is not supported (float32, uint8, int8, int16)");
        } else {
            const auto o = optionsOr<tflite::ResizeNearestNeighborOptionsT>(ctx);
            m_geometry = {o.align_corners, o.half_pixel_centers};
            if (elementSize(in.type) == 0) return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported");
        }
        if (m_geometry.alignCorners && m_geometry.halfPixelCenters)
            return ctx.error("align_corners and half_pixel_centers cannot both be true");
        if (Status s = requireSameQuantization(ctx, in, out); !s) return s;
        // Target::TfliteCpu: the delegate takes float and 8-bit RESIZE_BILINEAR when the size is a constant.
        m_xnnpack = m_bilinear && ctx.options().xnnpack() && size.constant &&
                    (in.type == TensorType::INT8 || in.type == TensorType::UINT8 || in.type == TensorType::FLOAT32);
        if (!readableOrDefer(&size, atEval)) return {};
        const int32_t h = size.as<int32_t>()[0], w = size.as<int32_t>()[1];
        if (h <= 0 || w <= 0) return ctx.error("size [" + std::to_string(h) + "," + std::to_string(w) + "] must be positive");
        // Every output element reads an input pixel: an input with no rows or columns has none
        // to read (unless the output is empty too, through batch or depth 0).
        if ((in.dim(1) == 0 || in.dim(2) == 0) && in.dim(0) > 0 && in.dim(3) > 0)
            return ctx.error("input " + tensorName(in) + " has shape " + shapeText(in.shape) + ": no elements to resize to [" +
                             std::to_string(h) + "," + std::to_string(w) + "]");
        m_outShapes[0] = {in.dim(0), h, w, in.dim(3)};
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        if (!m_bilinear) {
            nearest(in, out);
            return {};
        }
        if (m_xnnpack) {
            if (in.type == TensorType::INT8) resizeBilinearXnnpack<int8_t>(in, out, m_geometry);
            else if (in.type == TensorType::UINT8) resizeBilinearXnnpack<uint8_t>(in, out, m_geometry);
            else resizeBilinearXnnpackF32(in, out, m_geometry);
            return {};
        }
        switch (in.type) {
        case TensorType::FLOAT32: resizeBilinearFloat<float>(in, out, m_geometry); break;
        case TensorType::UINT8: resizeBilinearFloat<uint8_t>(in, out, m_geometry); break;
        case TensorType::INT8: resizeBilinearInteger<int8_t>(in, out, m_geometry, ctx.options().rounding); break;
        default: resizeBilinearInteger<int16_t>(in, out, m_geometry, ctx.options().rounding); break;
        }
        return {};
    }

private:
    void nearest(const RtTensor& in, RtTensor& out) const {
        const size_t es = elementSize(in.type);
        const int32_t B = in.dim(0), iH = in.dim(1), iW = in.dim(2), oH = out.dim(1), oW = out.dim(2);
        const int64_t row = int64_t(in.dim(3)) * static_cast<int64_t>(es);
        std::vector<int32_t> xs(static_cast<size_t>(oW));
        for (int x = 0; x < oW; ++x) xs[static_cast<size_t>(x)] = nearestNeighbor(x, iW, oW, m_geometry);
        uint8_t* dst = out.data;
        for (int b = 0; b < B; ++b)
            for (int y = 0; y < oH; ++y) {
                const int32_t sy = nearestNeighbor(y, iH, oH, m_geometry);
                for (int x = 0; x < oW; ++x) {
                    std::memcpy(dst, in.data + ((int64_t(b) * iH + sy) * iW + xs[static_cast<size_t>(x)]) * row, static_cast<size_t>(row));
                    dst += row;
                }
            }
    }

    bool m_bilinear;
    bool m_xnnpack = false; // Target::TfliteCpu, float or 8-bit bilinear with a constant size
    ResizeGeometry m_geometry;
};

} // namespace

void registerResizeKernels(KernelRegistry& r) {
    r.add(BuiltinOp::RESIZE_BILINEAR, 1, kMaxVersion, factoryOf<Resize>());
    r.add(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, 1, kMaxVersion, factoryOf<Resize>());
}

} // namespace ql::rt::shape
