#include "analysis/TensorStats.h"

#include "model/Blockwise.h"
#include "quant/FixedPoint.h"
#include "quant/SubByte.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ql {
namespace {

template <class T> void decodeAs(std::span<const uint8_t> bytes, size_t count, std::vector<double>& out) {
    out.resize(count);
    for (size_t i = 0; i < count; ++i) {
        T v;
        std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
        out[i] = static_cast<double>(v);
    }
}

// IEEE 754 half precision to double (subnormals, infinities and NaN included).
double halfToDouble(uint16_t h) {
    const int sign = h >> 15, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    double v;
    if (exponent == 0) v = std::ldexp(double(mantissa), -24);
    else if (exponent == 31) v = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else v = std::ldexp(double(mantissa | 0x400), exponent - 25);
    return sign ? -v : v;
}

// OCP 8-bit floats: E4M3FN (bias 7, no infinities, S.1111.111 is NaN) and E5M2 (bias 15,
// IEEE-like infinities and NaNs).
double float8ToDouble(uint8_t v, bool e4m3) {
    const int sign = v >> 7;
    const int expBits = e4m3 ? 4 : 5, manBits = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
    const int exponent = (v >> manBits) & ((1 << expBits) - 1), mantissa = v & ((1 << manBits) - 1);
    double out;
    if (e4m3 && exponent == 15 && mantissa == 7) out = std::numeric_limits<double>::quiet_NaN();
    else if (!e4m3 && exponent == 31) out = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else if (exponent == 0) out = std::ldexp(double(mantissa), 1 - bias - manBits);
    else out = std::ldexp(double(mantissa | (1 << manBits)), exponent - bias - manBits);
    return sign ? -out : out;
}

// Slice index along `axis` of flat element i, for a row-major shape.
struct AxisWalker {
    size_t inner = 1; // product of dims after axis
    size_t dim = 1;
    AxisWalker(const std::vector<int32_t>& shape, int axis) {
        if (axis < 0 || size_t(axis) >= shape.size()) return;
        dim = size_t(std::max(shape[size_t(axis)], 1));
        for (size_t d = size_t(axis) + 1; d < shape.size(); ++d) inner *= size_t(std::max(shape[d], 1));
    }
    size_t channelOf(size_t i) const { return (i / inner) % dim; }
};

} // namespace

Result<std::vector<double>> decodeTensorValues(const Model& model, const Tensor& t) {
    if (!t.buffer.valid() || t.buffer.index() >= model.buffers.size() || model.buffer(t.buffer).empty())
        return makeError("tensor '" + t.name + "' has no constant data");
    const auto bytes = model.buffer(t.buffer).bytes();
    const auto count = static_cast<size_t>(t.elementCount());
    std::vector<double> out;
    if (t.type == TensorType::INT4) {
        // Packed (low nibble first) or, as some converters wrote it, one value per byte.
        const std::vector<int8_t> values = int4ConstantValues(bytes, count);
        if (values.size() != count) return makeError("tensor '" + t.name + "': buffer too small for int4 data");
        out.assign(values.begin(), values.end());
        return out;
    }
    if (subByteBits(t.type)) {
        if (bytes.size() < *byteCount(t.type, count))
            return makeError("tensor '" + t.name + "': buffer too small for " + std::string(typeName(t.type)) + " data");
        out.resize(count);
        for (size_t i = 0; i < count; ++i) out[i] = packedElement(bytes, t.type, i);
        return out;
    }
    if (isFloat8Type(t.type)) {
        if (bytes.size() < count) return makeError("tensor '" + t.name + "': buffer too small for " + std::string(typeName(t.type)) + " data");
        out.resize(count);
        for (size_t i = 0; i < count; ++i) out[i] = float8ToDouble(bytes[i], t.type == TensorType::FLOAT8_E4M3FN);
        return out;
    }
    const size_t es = elementSize(t.type);
    if (es == 0 || t.type == TensorType::COMPLEX64 || t.type == TensorType::COMPLEX128)
        return makeError("tensor '" + t.name + "': dtype " + std::string(typeName(t.type)) + " has no numeric values");
    if (bytes.size() < count * es)
        return makeError("tensor '" + t.name + "': buffer holds " + std::to_string(bytes.size()) + " bytes, expected " +
                         std::to_string(count * es));
    switch (t.type) {
    case TensorType::FLOAT32: decodeAs<float>(bytes, count, out); break;
    case TensorType::FLOAT64: decodeAs<double>(bytes, count, out); break;
    case TensorType::FLOAT16: {
        out.resize(count);
        for (size_t i = 0; i < count; ++i) {
            uint16_t h;
            std::memcpy(&h, bytes.data() + 2 * i, 2);
            out[i] = halfToDouble(h);
        }
        break;
    }
    case TensorType::INT8: decodeAs<int8_t>(bytes, count, out); break;
    case TensorType::UINT8: decodeAs<uint8_t>(bytes, count, out); break;
    case TensorType::BOOL: decodeAs<uint8_t>(bytes, count, out); break;
    case TensorType::INT16: decodeAs<int16_t>(bytes, count, out); break;
    case TensorType::UINT16: decodeAs<uint16_t>(bytes, count, out); break;
    case TensorType::INT32: decodeAs<int32_t>(bytes, count, out); break;
    case TensorType::UINT32: decodeAs<uint32_t>(bytes, count, out); break;
    case TensorType::INT64: decodeAs<int64_t>(bytes, count, out); break;
    case TensorType::UINT64: decodeAs<uint64_t>(bytes, count, out); break;
    default: return makeError("tensor '" + t.name + "': dtype " + std::string(typeName(t.type)) + " is not decoded");
    }
    return out;
}

std::vector<double> dequantizeValues(const Tensor& t, std::span<const double> raw) {
    std::vector<double> out(raw.begin(), raw.end());
    const QuantParams& q = t.quant;
    if (!q.isQuantized()) return out;
    const AxisWalker walk(t.shape, q.isPerChannel() ? q.quantizedDimension : -1);
    for (size_t i = 0; i < out.size(); ++i) {
        const size_t c = q.isPerChannel() ? std::min(walk.channelOf(i), q.scale.size() - 1) : 0;
        const double zp = c < q.zeroPoint.size() ? double(q.zeroPoint[c]) : 0.0;
        out[i] = double(q.scale[c]) * (raw[i] - zp);
    }
    return out;
}

Result<std::vector<double>> dequantizeValues(const Model& model, const Subgraph& sg, const Tensor& t, std::span<const double> raw) {
    if (!t.quant.blockwise) return dequantizeValues(t, raw);
    const auto table = blockScaleTable(model, sg, t);
    if (!table) return makeError("tensor '" + t.name + "': its block scales do not match its shape");
    std::vector<double> out(raw.size());
    const size_t rowLength = table->blocksPerRow * size_t(table->blockSize);
    for (size_t i = 0; i < raw.size(); ++i) {
        const size_t row = rowLength ? i / rowLength : 0;
        const size_t block = rowLength ? (i % rowLength) / size_t(table->blockSize) : 0;
        if (row >= table->rows) return makeError("tensor '" + t.name + "': more values than its block scales cover");
        out[i] = double(table->scale(row, block)) * (raw[i] - double(table->zeroPoint(row, block)));
    }
    return out;
}

ValueStats computeValueStats(std::span<const double> values) {
    ValueStats s;
    double sum = 0, sumSq = 0;
    s.min = std::numeric_limits<double>::infinity();
    s.max = -std::numeric_limits<double>::infinity();
    for (double v : values) {
        if (!std::isfinite(v)) {
            ++s.nonFinite;
            continue;
        }
        ++s.count;
        s.min = std::min(s.min, v);
        s.max = std::max(s.max, v);
        sum += v;
        if (v == 0.0) ++s.zeros;
    }
    if (s.count == 0) {
        s.min = s.max = 0;
        return s;
    }
    s.mean = sum / double(s.count);
    for (double v : values) // two passes: the variance of weights near their mean stays exact
        if (std::isfinite(v)) sumSq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sumSq / double(s.count));
    s.absMax = std::max(std::abs(s.min), std::abs(s.max));
    s.sparsity = double(s.zeros) / double(s.count);
    return s;
}

std::vector<ValueStats> perChannelStats(std::span<const double> values, const std::vector<int32_t>& shape, int axis) {
    const AxisWalker walk(shape, axis);
    std::vector<std::vector<double>> slices(walk.dim);
    for (auto& s : slices) s.reserve(values.size() / walk.dim);
    for (size_t i = 0; i < values.size(); ++i) slices[walk.channelOf(i)].push_back(values[i]);
    std::vector<ValueStats> out;
    out.reserve(slices.size());
    for (const auto& s : slices) out.push_back(computeValueStats(s));
    return out;
}

std::vector<double> channelValues(std::span<const double> values, const std::vector<int32_t>& shape, int axis, int channel) {
    const AxisWalker walk(shape, axis);
    std::vector<double> out;
    for (size_t i = 0; i < values.size(); ++i)
        if (walk.channelOf(i) == size_t(channel)) out.push_back(values[i]);
    return out;
}

Histogram makeHistogram(std::span<const double> values, size_t bins, double lo, double hi) {
    Histogram h;
    if (lo == hi) {
        const ValueStats s = computeValueStats(values);
        lo = s.min;
        hi = s.max;
        if (lo == hi) { // constant tensor: a unit-wide range around the value
            lo -= 0.5;
            hi += 0.5;
        }
    }
    h.lo = lo;
    h.hi = hi;
    h.counts.assign(std::max<size_t>(bins, 1), 0);
    const double scale = double(h.counts.size()) / (hi - lo);
    for (double v : values) {
        if (!std::isfinite(v)) continue;
        const double b = std::floor((v - lo) * scale);
        const size_t bin = b < 0 ? 0 : std::min(size_t(b), h.counts.size() - 1);
        ++h.counts[bin];
    }
    return h;
}

std::vector<ChannelQuant> quantizationTable(const Tensor& t) {
    std::vector<ChannelQuant> rows;
    const QuantParams& q = t.quant;
    if (!q.isQuantized()) return rows;
    const auto [qmin, qmax] = quantizedRange(t.type);
    for (size_t c = 0; c < q.scale.size(); ++c) {
        ChannelQuant r;
        r.channel = int(c);
        r.scale = q.scale[c];
        r.zeroPoint = c < q.zeroPoint.size() ? q.zeroPoint[c] : 0;
        r.minFloat = r.scale * double(qmin - r.zeroPoint);
        r.maxFloat = r.scale * double(qmax - r.zeroPoint);
        rows.push_back(r);
    }
    return rows;
}

std::vector<BlockQuant> blockQuantizationTable(const Model& model, const Subgraph& sg, const Tensor& t, std::span<const double> real) {
    std::vector<BlockQuant> rows;
    const auto table = blockScaleTable(model, sg, t);
    if (!table) return rows;
    const auto [qmin, qmax] = t.type == TensorType::UINT4  ? std::pair<int32_t, int32_t>{0, 15}
                              : t.type == TensorType::INT2 ? std::pair<int32_t, int32_t>{-2, 1}
                                                           : quantizedRange(t.type);
    const size_t bl = size_t(table->blockSize);
    rows.reserve(table->rows * table->blocksPerRow);
    for (size_t r = 0; r < table->rows; ++r)
        for (size_t b = 0; b < table->blocksPerRow; ++b) {
            BlockQuant q;
            q.row = int(r);
            q.block = int(b);
            q.scale = table->scale(r, b);
            q.zeroPoint = table->zeroPoint(r, b);
            q.minFloat = q.scale * double(qmin - q.zeroPoint);
            q.maxFloat = q.scale * double(qmax - q.zeroPoint);
            const size_t first = (r * table->blocksPerRow + b) * bl;
            if (first + bl <= real.size()) {
                const auto [lo, hi] = std::minmax_element(real.begin() + long(first), real.begin() + long(first + bl));
                q.observedMin = *lo;
                q.observedMax = *hi;
            }
            rows.push_back(q);
        }
    return rows;
}

} // namespace ql
