#pragma once
// Values and statistics of a tensor for the inspectors and histograms: decoding every dtype
// to double, dequantizing (per channel where the tensor is), min/max/mean/std/sparsity,
// per-channel statistics, histograms, and the per-channel quantization table.
// r = scale * (q - zero_point).

#include "model/Model.h"
#include "util/Result.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ql {

// The raw values of a constant tensor, as doubles (integers exactly up to 2^53; float16
// decoded; INT4, UINT4 and INT2 unpacked lowest bits first, sign-extended where signed;
// float8 E4M3FN / E5M2 decoded). Errors for tensors without data
// and for STRING / RESOURCE / VARIANT / COMPLEX types.
Result<std::vector<double>> decodeTensorValues(const Model& model, const Tensor& tensor);

// r = scale * (q - zero_point) with the tensor's own parameters: one pair, or one per slice
// along quantizedDimension. Returns `raw` unchanged for an unquantized tensor.
std::vector<double> dequantizeValues(const Tensor& tensor, std::span<const double> raw);
// The same for a tensor of `subgraph` that may be blockwise: scale[i, b] * (q - zp[i, b]) for
// block b of row i (model/Blockwise.h); the other schemes as above.
Result<std::vector<double>> dequantizeValues(const Model& model, const Subgraph& subgraph, const Tensor& tensor,
                                             std::span<const double> raw);

struct ValueStats {
    size_t count = 0;
    double min = 0;
    double max = 0;
    double mean = 0;
    double stddev = 0;      // population standard deviation
    double absMax = 0;
    size_t zeros = 0;
    double sparsity = 0;    // zeros / count
    size_t nonFinite = 0;   // NaN and infinities (left out of the other figures)
};

ValueStats computeValueStats(std::span<const double> values);

// Statistics of each slice along `axis` of a tensor of `shape` (row-major).
std::vector<ValueStats> perChannelStats(std::span<const double> values, const std::vector<int32_t>& shape, int axis);
// The values of slice `channel` along `axis`.
std::vector<double> channelValues(std::span<const double> values, const std::vector<int32_t>& shape, int axis, int channel);

struct Histogram {
    double lo = 0;
    double hi = 0;
    std::vector<uint64_t> counts;
    double binWidth() const { return counts.empty() ? 0 : (hi - lo) / double(counts.size()); }
    double binCenter(size_t i) const { return lo + (double(i) + 0.5) * binWidth(); }
};

// `bins` equal bins over [lo, hi]; values outside are counted in the first or last bin.
// With lo == hi the range is taken from the finite values.
Histogram makeHistogram(std::span<const double> values, size_t bins, double lo = 0, double hi = 0);

struct ChannelQuant {
    int channel = 0;
    double scale = 0;
    int64_t zeroPoint = 0;
    double minFloat = 0; // scale * (qmin - zero_point): the smallest float the channel can hold
    double maxFloat = 0; // scale * (qmax - zero_point)
};

// One row per (scale, zero_point) pair; qmin/qmax from the tensor's dtype. Empty when the
// tensor is not quantized.
std::vector<ChannelQuant> quantizationTable(const Tensor& tensor);

// One row per block of a blockwise tensor (row-major: row 0's blocks first): its scale and zero
// point, the float range it can hold, and the range of the dequantized values `real` in it.
// Empty when the tensor is not blockwise.
struct BlockQuant {
    int row = 0;
    int block = 0;
    double scale = 0;
    int64_t zeroPoint = 0;
    double minFloat = 0, maxFloat = 0;
    double observedMin = 0, observedMax = 0;
};
std::vector<BlockQuant> blockQuantizationTable(const Model& model, const Subgraph& subgraph, const Tensor& tensor,
                                               std::span<const double> real);

} // namespace ql
