#include "lab/QuantExample.h"

#include "quant/FixedPoint.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace ql::lab {

std::optional<QuantExample> quantExample(const Tensor& tensor, const std::vector<double>& real,
                                         std::optional<size_t> element) {
    const auto& q = tensor.quant;
    if (q.scale.empty() || real.empty()) return std::nullopt;
    size_t i = 0;
    if (element) {
        if (*element >= real.size()) return std::nullopt;
        i = *element;
    } else {
        for (size_t k = 1; k < real.size(); ++k)
            if (std::abs(real[k]) > std::abs(real[i])) i = k;
    }
    QuantExample e;
    e.element = i;
    if (q.scale.size() > 1) { // per channel: the element's index along quantized_dimension
        const int axis = q.quantizedDimension;
        if (axis < 0 || size_t(axis) >= tensor.shape.size()) return std::nullopt;
        size_t inner = 1;
        for (size_t d = size_t(axis) + 1; d < tensor.shape.size(); ++d)
            inner *= size_t(std::max(1, tensor.shape[d]));
        const size_t dim = size_t(std::max(1, tensor.shape[size_t(axis)]));
        e.channel = int((i / inner) % dim);
        if (size_t(e.channel) >= q.scale.size()) return std::nullopt;
    }
    e.r = real[i];
    e.scale = q.scale[size_t(e.channel)];
    e.zeroPoint =
        q.zeroPoint.empty() ? 0 : q.zeroPoint[std::min(size_t(e.channel), q.zeroPoint.size() - 1)];
    const auto [lo, hi] = quantizedRange(tensor.type);
    e.qmin = lo;
    e.qmax = hi;
    if (!(e.scale > 0) || !std::isfinite(e.scale)) return std::nullopt;
    e.divided = e.r / e.scale;
    e.rounded = std::round(e.divided);
    e.unclamped = int64_t(std::clamp(e.rounded, -9.0e18, 9.0e18)) + e.zeroPoint;
    e.q = std::clamp<int64_t>(e.unclamped, e.qmin, e.qmax);
    e.back = e.scale * double(e.q - e.zeroPoint);
    e.error = e.back - e.r;
    return e;
}

std::string formatQuantExample(const QuantExample& e) {
    std::ostringstream o;
    o.precision(6);
    o << "element " << e.element;
    if (e.channel) o << " (channel " << e.channel << ")";
    o << ": r = " << e.r << ", scale = " << e.scale << ", zero_point = " << e.zeroPoint << "\n";
    o << "q = clamp(round(r / scale) + zero_point, " << e.qmin << ", " << e.qmax << ")\n";
    o << "  = clamp(round(" << e.r << " / " << e.scale << ") + " << e.zeroPoint << ")\n";
    o << "  = clamp(round(" << e.divided << ") + " << e.zeroPoint << ")\n";
    o << "  = clamp(" << e.rounded << " + " << e.zeroPoint << ") = clamp(" << e.unclamped
      << ") = " << e.q;
    if (e.q != e.unclamped) o << "   (clipped)";
    o << "\nback: r' = scale * (q - zero_point) = " << e.scale << " * (" << e.q << " - "
      << e.zeroPoint << ") = " << e.back << "\n";
    o << "error r' - r = " << e.error << " (at most scale / 2 = " << e.scale / 2
      << " unless clipped)";
    return o.str();
}

} // namespace ql::lab
