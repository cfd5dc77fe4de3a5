// EMBEDDING_LOOKUP: output row i = row lookup[i] of `value` (rank >= 2), as TFLite's
// kernels/embedding_lookup.cc computes it (no XNNPACK path):
// - same type in and out: the row's bytes copied;
// - hybrid (int8, uint8, int4 or int2 value, float32 output, zero point 0): r = q * scale, one
//   scale per tensor or per row (quantized_dimension 0). TFLite reads the value buffer as int8
//   (uint8 values above 127 come out negative), and unpacks int4 (int2) rows starting at byte
//   (row * columns) / 2 (/ 4) from the lowest bits, as q * 16 * (scale / 16), which equals q *
//   scale;
// - blockwise (int4 or int2 value of rank 2, float16 block scales, float32 output): each block's
//   values times its own scale.
// An index outside [0, rows) is an eval error (TFLite: "index out of bounds"); reads are checked
// against the buffer before they happen.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"
#include "util/Float16.h"

#include <cstring>

namespace ql::rt::shape {
namespace {

enum class LookupPath { Copy, Hybrid, Blockwise };

// Value j of a packed int4 / int2 row starting at `row`, as TFLite's Unpack4Bit / Unpack2Bit
// decode it: the field shifted to the top of an int8 (so that it is sign-extended).
int32_t packedField(const uint8_t* row, size_t j, int bits) {
    const size_t perByte = size_t(8 / bits);
    const uint8_t b = row[j / perByte];
    const int shift = int(8 - bits - (j % perByte) * size_t(bits));
    const int8_t top = static_cast<int8_t>(
        static_cast<uint8_t>((b << shift) & ~((1u << (8 - bits)) - 1u) & 0xFFu));
    return top >> (8 - bits);
}

class EmbeddingLookup final : public OpKernel {
public:
    explicit EmbeddingLookup(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& lookup = *ctx.input(0);
        const RtTensor& value = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        if (lookup.rank() != 1 || lookup.type != TensorType::INT32)
            return ctx.error("lookup " + tensorName(lookup) + " is " +
                             std::string(typeName(lookup.type)) + " " + shapeText(lookup.shape) +
                             ", expected a 1-D int32 tensor");
        if (value.rank() < 2)
            return ctx.error("value " + tensorName(value) + " has shape " + shapeText(value.shape) +
                             ", expected rank >= 2");
        m_rows = value.dim(0);
        m_cols = 1;
        for (int d = 1; d < value.rank(); ++d)
            m_cols *= size_t(value.dim(d));
        const int bits = subByteBits(value.type);
        m_bits = bits;
        const bool lowBit = value.type == TensorType::INT4 || value.type == TensorType::INT2;
        if (value.quant && value.quant->blockwise) {
            if (!lowBit || out.type != TensorType::FLOAT32 || value.rank() != 2)
                return ctx.error(
                    "blockwise value " + tensorName(value) + " (" +
                    std::string(typeName(value.type)) + " " + shapeText(value.shape) + ") with " +
                    std::string(typeName(out.type)) +
                    " output; the runtime looks up rank-2 int4 or int2 blocks into float32 only");
            const BlockwiseParams& b = *value.quant->blockwise;
            const Tensor& scales = ctx.subgraph().tensor(b.scales);
            if (scales.type != TensorType::FLOAT16)
                return ctx.error("blockwise value " + tensorName(value) + ": its block scales '" +
                                 scales.name + "' are " + std::string(typeName(scales.type)) +
                                 "; the runtime reads them as float16");
            if (b.zeroPoints.valid())
                return ctx.error("blockwise value " + tensorName(value) +
                                 " has zero points; the runtime ignores them");
            m_blockSize = size_t(b.blockSize);
            const auto bytes = ctx.model().buffer(scales.buffer).bytes();
            m_blockScales.resize(bytes.size() / 2);
            for (size_t i = 0; i < m_blockScales.size(); ++i) {
                uint16_t h;
                std::memcpy(&h, bytes.data() + 2 * i, 2);
                m_blockScales[i] = halfToFloat(h);
            }
            if (m_blockScales.size() != size_t(m_rows) * (m_cols / m_blockSize))
                return ctx.error("blockwise value " + tensorName(value) + ": " +
                                 std::to_string(m_blockScales.size()) + " block scales, expected " +
                                 std::to_string(size_t(m_rows) * (m_cols / m_blockSize)));
            m_path = LookupPath::Blockwise;
        } else if ((value.type == TensorType::INT8 || value.type == TensorType::UINT8 || lowBit) &&
                   out.type == TensorType::FLOAT32) {
            if (!value.isQuantized())
                return ctx.error("value " + tensorName(value) + " is " +
                                 std::string(typeName(value.type)) + " without a scale");
            if (value.zeroPoint(0) != 0)
                return ctx.error("value " + tensorName(value) + " has zero point " +
                                 std::to_string(value.zeroPoint(0)) +
                                 "; the runtime's hybrid lookup takes symmetric values only");
            const size_t ns = value.quant->scale.size();
            if (ns > 1 && (value.quant->quantizedDimension != 0 || ns != size_t(m_rows)))
                return ctx.error(
                    "value " + tensorName(value) + " has " + std::to_string(ns) +
                    " scales along dimension " + std::to_string(value.quant->quantizedDimension) +
                    ", expected one per row (" + std::to_string(m_rows) + ") along dimension 0");
            for (float s : value.quant->scale)
                if (!(s > 0.0f))
                    return ctx.error("value " + tensorName(value) + " has a non-positive scale " +
                                     std::to_string(s));
            m_path = LookupPath::Hybrid;
        } else if (value.type == out.type && !bits && elementSize(value.type) != 0) {
            m_path = LookupPath::Copy;
        } else {
            return ctx.error(
                "value " + std::string(typeName(value.type)) + " with output " +
                std::string(typeName(out.type)) +
                " is not supported (same type, or int8/uint8/int4/int2 into float32)" +
                (lowBit ? "; the runtime copies packed int4/int2 bytes as if they were int8 values"
                        : ""));
        }
        std::vector<int32_t> shape = value.shape;
        shape[0] = lookup.dim(0);
        ctx.setOutputShape(0, std::move(shape));
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& lookup = *ctx.input(0);
        const RtTensor& value = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        const auto* ids = lookup.as<int32_t>();
        const int64_t n = lookup.elementCount();
        const size_t rowBytes =
            m_path == LookupPath::Copy && m_rows > 0 ? value.bytes / size_t(m_rows) : 0;
        for (int64_t i = 0; i < n; ++i) {
            const int32_t idx = ids[i];
            if (idx < 0 || idx >= m_rows)
                return ctx.error("index " + std::to_string(idx) + " at position " +
                                 std::to_string(i) + " is out of bounds [0, " +
                                 std::to_string(m_rows - 1) + "]");
            switch (m_path) {
            case LookupPath::Copy:
                std::memcpy(out.data + size_t(i) * rowBytes, value.data + size_t(idx) * rowBytes,
                            rowBytes);
                break;
            case LookupPath::Hybrid: {
                const float scale = value.quant->scale.size() > 1 ? value.quant->scale[size_t(idx)]
                                                                  : value.quant->scale[0];
                float* o = out.as<float>() + size_t(i) * m_cols;
                if (m_bits) {
                    const size_t start = size_t(idx) * m_cols / size_t(8 / m_bits);
                    if (Status s = checkPacked(ctx, value, start, m_cols); !s) return s;
                    for (size_t j = 0; j < m_cols; ++j)
                        o[j] = float(packedField(value.data + start, j, m_bits)) * scale;
                } else {
                    const auto* v =
                        reinterpret_cast<const int8_t*>(value.data) + size_t(idx) * m_cols;
                    for (size_t j = 0; j < m_cols; ++j)
                        o[j] = float(v[j]) * scale;
                }
                break;
            }
            case LookupPath::Blockwise: {
                const size_t nb = m_cols / m_blockSize;
                float* o = out.as<float>() + size_t(i) * m_cols;
                for (size_t k = 0; k < nb; ++k) {
                    const float scale = m_blockScales[size_t(idx) * nb + k];
                    const size_t start =
                        (size_t(idx) * m_cols + k * m_blockSize) / size_t(8 / m_bits);
                    if (Status s = checkPacked(ctx, value, start, m_blockSize); !s) return s;
                    for (size_t j = 0; j < m_blockSize; ++j)
                        o[k * m_blockSize + j] =
                            float(packedField(value.data + start, j, m_bits)) * scale;
                }
                break;
            }
            }
        }
        return {};
    }

private:
    // `count` packed values from byte `start` stay inside the buffer.
    Status checkPacked(const KernelContext& ctx, const RtTensor& value, size_t start,
                       size_t count) const {
        const size_t perByte = size_t(8 / m_bits);
        if (start + (count + perByte - 1) / perByte > value.bytes)
            return ctx.error("value " + tensorName(value) + " holds " +
                             std::to_string(value.bytes) + " bytes, too few for its rows");
        return {};
    }

    LookupPath m_path = LookupPath::Copy;
    int32_t m_rows = 0;
    size_t m_cols = 0;
    int m_bits = 0;
    size_t m_blockSize = 0;
    std::vector<float> m_blockScales;
};

} // namespace

void registerEmbeddingLookupKernels(KernelRegistry& r) {
    r.add(BuiltinOp::EMBEDDING_LOOKUP, 1, 4, factoryOf<EmbeddingLookup>());
}

} // namespace ql::rt::shape
