#include "data/ImageResize.h"

#include "data/Convert.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ql::data {
namespace {

bool isChannelCount(int32_t c) { return c == 1 || c == 3; }

struct Tap {
    int i0, i1;
    float w1; // weight of i1; i0 gets 1 - w1
};

// Source taps along one axis for every output coordinate.
std::vector<Tap> taps(int src, int dst) {
    std::vector<Tap> t(static_cast<size_t>(dst));
    const double scale = static_cast<double>(src) / dst;
    for (int o = 0; o < dst; ++o) {
        double s = (o + 0.5) * scale - 0.5;
        s = std::clamp(s, 0.0, static_cast<double>(src - 1));
        const int i0 = static_cast<int>(std::floor(s));
        const int i1 = std::min(i0 + 1, src - 1);
        t[static_cast<size_t>(o)] = {i0, i1, static_cast<float>(s - i0)};
    }
    return t;
}

} // namespace

Result<ImageLayout> imageLayout(const InputInfo& input) {
    const auto& s = input.shape;
    ImageLayout l;
    const std::string who = "input '" + input.name + "' of shape " + shapeString(s);
    if (s.size() == 4 && isChannelCount(s[3])) {
        l = {s[0], s[1], s[2], s[3], false};
    } else if (s.size() == 4 && isChannelCount(s[1])) {
        l = {s[0], s[2], s[3], s[1], true};
    } else if (s.size() == 3) {
        l = {s[0], s[1], s[2], 1, false};
    } else {
        return makeError(who + " is not an image input (expected [N, H, W, C] or [N, C, H, W] with C = 1 or 3, "
                               "or [N, H, W])");
    }
    if (l.batch < 1 || l.height < 1 || l.width < 1)
        return makeError(who + " has no fixed batch, height and width to resize images to");
    return l;
}

void resizeBilinear(const uint8_t* src, int srcWidth, int srcHeight, int channels, float* dst, int dstWidth,
                    int dstHeight) {
    const size_t c = static_cast<size_t>(channels);
    if (srcWidth == dstWidth && srcHeight == dstHeight) {
        const size_t n = static_cast<size_t>(srcWidth) * static_cast<size_t>(srcHeight) * c;
        for (size_t i = 0; i < n; ++i) dst[i] = src[i];
        return;
    }
    const std::vector<Tap> xs = taps(srcWidth, dstWidth), ys = taps(srcHeight, dstHeight);
    const size_t srcRow = static_cast<size_t>(srcWidth) * c;
    for (int y = 0; y < dstHeight; ++y) {
        const Tap ty = ys[static_cast<size_t>(y)];
        const uint8_t* r0 = src + static_cast<size_t>(ty.i0) * srcRow;
        const uint8_t* r1 = src + static_cast<size_t>(ty.i1) * srcRow;
        float* out = dst + static_cast<size_t>(y) * static_cast<size_t>(dstWidth) * c;
        for (int x = 0; x < dstWidth; ++x) {
            const Tap tx = xs[static_cast<size_t>(x)];
            const size_t a = static_cast<size_t>(tx.i0) * c, b = static_cast<size_t>(tx.i1) * c;
            for (size_t k = 0; k < c; ++k) {
                // Interpolate along x on both rows, then along y.
                const float top = r0[a + k] + tx.w1 * (static_cast<float>(r0[b + k]) - r0[a + k]);
                const float bottom = r1[a + k] + tx.w1 * (static_cast<float>(r1[b + k]) - r1[a + k]);
                out[static_cast<size_t>(x) * c + k] = top + ty.w1 * (bottom - top);
            }
        }
    }
}

} // namespace ql::data
