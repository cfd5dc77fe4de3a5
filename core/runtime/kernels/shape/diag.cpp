// MATRIX_DIAG, MATRIX_SET_DIAG and REVERSE_SEQUENCE: data movement over the innermost two
// dimensions or along one axis, for any fixed-size element type.
//
// MATRIX_DIAG: [..., N] -> [..., N, N], the values on the diagonal and zeros elsewhere.
// MATRIX_SET_DIAG: [..., M, N] with diagonal [..., min(M, N)] replaced.
// REVERSE_SEQUENCE: for each index b along batch_dim, the first seq_lengths[b] elements along
// seq_dim are reversed, the rest kept (TFLite's reverse_sequence.cc; lengths must lie in
// [0, dim(seq_dim)]).
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <algorithm>
#include <cstring>

namespace ql::rt::shape {
namespace {

class MatrixDiag : public PlannedKernel {
public:
    explicit MatrixDiag(const Operator& op) : m_set(op.op == BuiltinOp::MATRIX_SET_DIAG) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = checkDataKernel(ctx, m_set ? 2 : 1, m_set ? 2 : 1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (!m_set) {
            if (in.rank() < 1) return ctx.error("input " + tensorName(in) + " must have rank >= 1");
            Shape out = in.shape;
            out.push_back(in.shape.back());
            m_outShapes[0] = out;
            return {};
        }
        const RtTensor& diag = *ctx.input(1);
        if (in.rank() < 2) return ctx.error("input " + tensorName(in) + " must have rank >= 2");
        if (diag.type != in.type)
            return ctx.error("diagonal " + tensorName(diag) + " must have the input's type");
        Shape expected(in.shape.begin(), in.shape.end() - 2);
        expected.push_back(std::min(in.dim(in.rank() - 2), in.dim(in.rank() - 1)));
        if (diag.shape != expected)
            return ctx.error("diagonal " + tensorName(diag) + " has shape " +
                             shapeText(diag.shape) + ", expected " + shapeText(expected));
        m_outShapes[0] = in.shape;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const size_t es = elementSize(in.type);
        const int64_t rows = out.dim(out.rank() - 2), cols = out.dim(out.rank() - 1);
        const int64_t n = std::min(rows, cols);
        const int64_t matrices = rows * cols == 0 ? 0 : out.elementCount() / (rows * cols);
        const uint8_t* diag = m_set ? ctx.input(1)->data : in.data;
        if (m_set) {
            if (out.data != in.data) std::memcpy(out.data, in.data, size_t(in.elementCount()) * es);
        } else {
            std::memset(out.data, 0, out.bytes);
        }
        for (int64_t m = 0; m < matrices; ++m)
            for (int64_t i = 0; i < n; ++i)
                std::memcpy(out.data + size_t((m * rows + i) * cols + i) * es,
                            diag + size_t(m * n + i) * es, es);
        return {};
    }

private:
    bool m_set;
};

class ReverseSequence : public PlannedKernel {
public:
    explicit ReverseSequence(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 2, 2); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& lengths = *ctx.input(1);
        const auto o = optionsOr<tflite::ReverseSequenceOptionsT>(ctx);
        if (o.seq_dim < 0 || o.seq_dim >= in.rank() || o.batch_dim < 0 ||
            o.batch_dim >= in.rank() || o.seq_dim == o.batch_dim)
            return ctx.error("seq_dim " + std::to_string(o.seq_dim) + " and batch_dim " +
                             std::to_string(o.batch_dim) + " must be two different axes of input " +
                             shapeText(in.shape));
        if (lengths.rank() != 1 || lengths.dim(0) != in.dim(o.batch_dim))
            return ctx.error("seq_lengths " + tensorName(lengths) + " have shape " +
                             shapeText(lengths.shape) + ", expected [" +
                             std::to_string(in.dim(o.batch_dim)) + "]");
        m_seqDim = o.seq_dim;
        m_batchDim = o.batch_dim;
        m_outShapes[0] = in.shape;
        (void)atEval;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        auto lengths = readInts(ctx, *ctx.input(1), "seq_lengths");
        if (!lengths) return lengths.error();
        const int32_t seqSize = in.dim(m_seqDim);
        for (int64_t l : *lengths)
            if (l < 0 || l > seqSize)
                return ctx.error("sequence length " + std::to_string(l) + " is outside [0, " +
                                 std::to_string(seqSize) + "]");
        const size_t es = elementSize(in.type);
        const auto strides = stridesOf(in.shape);
        const int64_t n = in.elementCount();
        std::vector<int64_t> idx(in.shape.size(), 0);
        for (int64_t flat = 0; flat < n; ++flat) {
            int64_t rest = flat;
            for (size_t d = 0; d < idx.size(); ++d) {
                idx[d] = rest / strides[d];
                rest %= strides[d];
            }
            const int64_t len = (*lengths)[size_t(idx[size_t(m_batchDim)])];
            const int64_t s = idx[size_t(m_seqDim)];
            const int64_t src =
                s < len ? flat + (len - 1 - 2 * s) * strides[size_t(m_seqDim)] : flat;
            std::memcpy(out.data + size_t(flat) * es, in.data + size_t(src) * es, es);
        }
        return {};
    }

private:
    int m_seqDim = 0, m_batchDim = 0;
};

} // namespace

void registerDiagKernels(KernelRegistry& r) {
    r.add(BuiltinOp::MATRIX_DIAG, 1, 1, factoryOf<MatrixDiag>());
    r.add(BuiltinOp::MATRIX_SET_DIAG, 1, 1, factoryOf<MatrixDiag>());
    r.add(BuiltinOp::REVERSE_SEQUENCE, 1, 1, factoryOf<ReverseSequence>());
}

} // namespace ql::rt::shape
