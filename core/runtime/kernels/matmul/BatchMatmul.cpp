// BATCH_MATMUL: out[..., i, j] = sum_k L[..., i, k] * R[..., k, j] with adj_x / adj_y
// (transpose the last two dimensions of lhs / rhs) and numpy broadcasting of the batch
// dimensions (TFLite kernels/batch_matmul.cc, reference/batch_matmul.h). float32 through
// Eigen; int8 (32-bit accumulation) and int16 (64-bit accumulation) with TFLite's
// requantization; hybrid (float lhs, constant int8 rhs) with per-row dynamic quantization.
#include "runtime/kernels/matmul/FullyConnectedKernels.h"

#include "runtime/kernels/matmul/FullyConnectedRef.h"
#include "runtime/kernels/matmul/MatmulCommon.h"

#include <Eigen/Core>

#include <algorithm>

namespace ql::rt {
namespace {

enum class BmmPath { Float, Int8, Int16, Hybrid };

struct BmmGeometry {
    int m = 0, k = 0, n = 0;
    bool adjX = false, adjY = false;
    // For each output batch: element offsets of its lhs and rhs matrices.
    std::vector<size_t> lhsOffset, rhsOffset;
};

// L(i, k) and R(k, j) of one batch, honouring adj_x / adj_y.
template <class T> inline T lhsAt(const T* l, const BmmGeometry& g, int i, int k) { return g.adjX ? l[size_t(k) * g.m + i] : l[size_t(i) * g.k + k]; }
template <class T> inline T rhsAt(const T* r, const BmmGeometry& g, int k, int j) { return g.adjY ? r[size_t(j) * g.k + k] : r[size_t(k) * g.n + j]; }

void batchMatmulFloat(const float* lhs, const float* rhs, float* out, const BmmGeometry& g) {
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    for (size_t b = 0; b < g.lhsOffset.size(); ++b) {
        Eigen::Map<RowMajor> y(out + b * size_t(g.m) * g.n, g.m, g.n);
        const float* l = lhs + g.lhsOffset[b];
        const float* r = rhs + g.rhsOffset[b];
        if (!g.adjX && !g.adjY) y.noalias() = Eigen::Map<const RowMajor>(l, g.m, g.k) * Eigen::Map<const RowMajor>(r, g.k, g.n);
        else if (g.adjX && !g.adjY) y.noalias() = Eigen::Map<const RowMajor>(l, g.k, g.m).transpose() * Eigen::Map<const RowMajor>(r, g.k, g.n);
        else if (!g.adjX) y.noalias() = Eigen::Map<const RowMajor>(l, g.m, g.k) * Eigen::Map<const RowMajor>(r, g.n, g.k).transpose();
        else y.noalias() = Eigen::Map<const RowMajor>(l, g.k, g.m).transpose() * Eigen::Map<const RowMajor>(r, g.n, g.k).transpose();
    }
}

// acc = sum_k (L + lhsOffset)(R + rhsOffset); q = clamp(M * acc + z_out). AccT is int32 for
// int8 and int64 for int16 (TFLite's BatchMatMul<int16_t, int64_t>).
template <class T, class AccT>
void batchMatmulQuant(const T* lhs, const T* rhs, T* out, const BmmGeometry& g, const fc::QuantFcParams& p) {
    for (size_t b = 0; b < g.lhsOffset.size(); ++b) {
        const T* l = lhs + g.lhsOffset[b];
        const T* r = rhs + g.rhsOffset[b];
        T* y = out + b * size_t(g.m) * g.n;
        for (int i = 0; i < g.m; ++i)
            for (int j = 0; j < g.n; ++j) {
                AccT acc = 0;
                for (int k = 0; k < g.k; ++k)
                    acc += AccT(int32_t(lhsAt(l, g, i, k)) + p.inputOffset) * AccT(int32_t(rhsAt(r, g, k, j)) + p.weightsOffset);
                const int32_t q = multiplyByQuantizedMultiplier(acc, p.multipliers[0].multiplier, p.multipliers[0].shift, p.rounding);
                y[size_t(i) * g.n + j] = static_cast<T>(std::clamp(q + p.outputOffset, p.actMin, p.actMax));
            }
    }
}

// Hybrid: each lhs row (length K) is quantized on its own (symmetric or asymmetric), the
// int8 rhs has one scale. out[m, n] = s_row * s_rhs * (sum_k q_x[m,k] * R[k,n] - rowSum_R[n] * z_row),
// the subtraction done in float as tensor_utils does.
void batchMatmulHybrid(const float* lhs, const int8_t* rhs, float rhsScale, float* out, const BmmGeometry& g,
                       bool asymmetric, size_t lhsRows, std::vector<int8_t>& xq, std::vector<float>& sf,
                       std::vector<int32_t>& zp, const std::vector<int32_t>& rhsRowSums) {
    std::vector<float> row(size_t(g.k));
    for (size_t r = 0; r < lhsRows; ++r) {
        // Row r = (lhs batch r / M, row r % M), materialised in [M, K] layout.
        const float* base = lhs + (r / size_t(g.m)) * size_t(g.m) * g.k;
        const int i = int(r % size_t(g.m));
        for (int k = 0; k < g.k; ++k) row[size_t(k)] = lhsAt(base, g, i, k);
        if (asymmetric) fc::quantizeAsymmetric(row.data(), g.k, xq.data() + r * g.k, &sf[r], &zp[r]);
        else {
            fc::quantizeSymmetric(row.data(), g.k, xq.data() + r * g.k, &sf[r]);
            zp[r] = 0;
        }
        sf[r] *= rhsScale;
    }
    for (size_t b = 0; b < g.lhsOffset.size(); ++b) {
        const size_t lhsRow0 = g.lhsOffset[b] / size_t(g.k);
        const int8_t* r = rhs + g.rhsOffset[b];
        const size_t rhsBatch = g.rhsOffset[b] / (size_t(g.k) * g.n);
        float* y = out + b * size_t(g.m) * g.n;
        for (int i = 0; i < g.m; ++i) {
            const int8_t* x = xq.data() + (lhsRow0 + i) * g.k;
            const float scale = sf[lhsRow0 + i];
            const float offset = static_cast<float>(zp[lhsRow0 + i]);
            for (int j = 0; j < g.n; ++j) {
                int32_t total = 0;
                for (int k = 0; k < g.k; ++k) total += int32_t(x[k]) * int32_t(rhsAt(r, g, k, j));
                total = static_cast<int32_t>(float(total) - float(rhsRowSums[rhsBatch * g.n + j]) * offset);
                y[size_t(i) * g.n + j] = scale * float(total);
            }
        }
    }
}

class BatchMatmulKernel final : public OpKernel {
public:
    explicit BatchMatmulKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const auto* opts = ctx.options<tflite::BatchMatMulOptionsT>();
        m_geo.adjX = opts && opts->adj_x;
        m_geo.adjY = opts && opts->adj_y;
        m_asymmetric = opts && opts->asymmetric_quantize_inputs;
        const RtTensor& lhs = *ctx.input(0);
        const RtTensor& rhs = *ctx.input(1);
        const RtTensor& out = ctx.output(0);
        for (auto [t, role] : {std::pair{&lhs, "lhs"}, std::pair{&rhs, "rhs"}})
            if (t->rank() < 2 || t->rank() > 5)
                return ctx.error(mm::label(*t, role) + " has rank " + std::to_string(t->rank()) + ", expected 2 to 5");
        const int lr = lhs.rank(), rr = rhs.rank();
        m_geo.m = m_geo.adjX ? lhs.dim(lr - 1) : lhs.dim(lr - 2);
        m_geo.k = m_geo.adjX ? lhs.dim(lr - 2) : lhs.dim(lr - 1);
        const int rhsK = m_geo.adjY ? rhs.dim(rr - 1) : rhs.dim(rr - 2);
        m_geo.n = m_geo.adjY ? rhs.dim(rr - 2) : rhs.dim(rr - 1);
        if (rhsK != m_geo.k)
            return ctx.error("the contracted dimensions differ: " + mm::label(lhs, "lhs") + " " + mm::shapeString(lhs.shape) + " gives " +
                             std::to_string(m_geo.k) + ", " + mm::label(rhs, "rhs") + " " + mm::shapeString(rhs.shape) + " gives " +
                             std::to_string(rhsK));
        // Broadcast the batch dimensions (right-aligned, numpy rules).
        const int batchRank = std::max(lr, rr) - 2;
        std::vector<int32_t> outShape(static_cast<size_t>(batchRank)), lhsB(static_cast<size_t>(batchRank), 1), rhsB(static_cast<size_t>(batchRank), 1);
        for (int i = 0; i < lr - 2; ++i) lhsB[size_t(batchRank - (lr - 2) + i)] = lhs.dim(i);
        for (int i = 0; i < rr - 2; ++i) rhsB[size_t(batchRank - (rr - 2) + i)] = rhs.dim(i);
        for (int i = 0; i < batchRank; ++i) {
            const int32_t a = lhsB[size_t(i)], b = rhsB[size_t(i)];
            if (a != b && a != 1 && b != 1)
                return ctx.error("batch dimensions of " + mm::shapeString(lhs.shape) + " and " + mm::shapeString(rhs.shape) +
                                 " do not broadcast");
            outShape[size_t(i)] = std::max(a, b);
        }
        m_geo.lhsOffset.clear();
        m_geo.rhsOffset.clear();
        size_t outBatches = 1;
        for (int32_t d : outShape) outBatches *= size_t(d);
        std::vector<int32_t> idx(size_t(batchRank), 0);
        for (size_t b = 0; b < outBatches; ++b) {
            size_t lo = 0, ro = 0;
            for (int i = 0; i < batchRank; ++i) {
                lo = lo * size_t(lhsB[size_t(i)]) + (lhsB[size_t(i)] == 1 ? 0 : size_t(idx[size_t(i)]));
                ro = ro * size_t(rhsB[size_t(i)]) + (rhsB[size_t(i)] == 1 ? 0 : size_t(idx[size_t(i)]));
            }
            m_geo.lhsOffset.push_back(lo * size_t(m_geo.m) * m_geo.k);
            m_geo.rhsOffset.push_back(ro * size_t(m_geo.k) * m_geo.n);
            for (int i = batchRank - 1; i >= 0; --i) {
                if (++idx[size_t(i)] < outShape[size_t(i)]) break;
                idx[size_t(i)] = 0;
            }
        }
        outShape.push_back(m_geo.m);
        outShape.push_back(m_geo.n);
        ctx.setOutputShape(0, outShape);

        if (lhs.type == TensorType::FLOAT32 && rhs.type == TensorType::FLOAT32 && out.type == TensorType::FLOAT32) {
            m_path = BmmPath::Float;
            return {};
        }
        if (lhs.type == TensorType::FLOAT32 && rhs.type == TensorType::INT8 && out.type == TensorType::FLOAT32) {
            m_path = BmmPath::Hybrid;
            if (Status s = mm::requireQuantized(ctx, rhs, "rhs"); !s) return s;
            if (rhs.quant->scale.size() != 1) return ctx.error(mm::label(rhs, "rhs") + " must be quantized per tensor on the hybrid path");
            if (Status s = mm::requireZeroPoints(ctx, rhs, "rhs", 0); !s) return s;
            size_t lhsRows = size_t(lhs.elementCount() / m_geo.k);
            m_lhsRows = lhsRows;
            m_xq.assign(lhsRows * size_t(m_geo.k), 0);
            m_sf.assign(lhsRows, 0.0f);
            m_zp.assign(lhsRows, 0);
            if (rhs.constant) computeRhsRowSums(rhs);
            return {};
        }
        const bool int8 = lhs.type == TensorType::INT8 && rhs.type == TensorType::INT8 && out.type == TensorType::INT8;
        const bool int16 = lhs.type == TensorType::INT16 && rhs.type == TensorType::INT16 && out.type == TensorType::INT16;
        if (!int8 && !int16)
            return ctx.error("unsupported type combination (lhs " + std::string(typeName(lhs.type)) + ", rhs " + std::string(typeName(rhs.type)) +
                             ", output " + std::string(typeName(out.type)) + "); QuantLab runs float32, int8, int16 and hybrid");
        m_path = int8 ? BmmPath::Int8 : BmmPath::Int16;
        for (auto [t, role] : {std::pair{&lhs, "lhs"}, std::pair{&rhs, "rhs"}, std::pair{&out, "output"}}) {
            if (Status s = mm::requireQuantized(ctx, *t, role); !s) return s;
            if (t->quant->scale.size() != 1) return ctx.error(mm::label(*t, role) + " must be quantized per tensor");
            if (int16 && t->zeroPoint() != 0) return ctx.error(mm::label(*t, role) + " is int16 and needs zero point 0");
        }
        // As GetQuantizedConvolutionMultipler: product in float, ratio in double.
        m_multiplier = quantizeMultiplier(double(lhs.scale() * rhs.scale()) / double(out.scale()));
        m_params.multipliers = {&m_multiplier, 1};
        m_params.inputOffset = -lhs.zeroPoint();
        m_params.weightsOffset = -rhs.zeroPoint();
        m_params.outputOffset = out.zeroPoint();
        m_params.rounding = ctx.options().rounding;
        std::tie(m_params.actMin, m_params.actMax) = quantizedRange(out.type);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& lhs = *ctx.input(0);
        const RtTensor& rhs = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        switch (m_path) {
        case BmmPath::Float: batchMatmulFloat(lhs.as<float>(), rhs.as<float>(), out.as<float>(), m_geo); break;
        case BmmPath::Int8: batchMatmulQuant<int8_t, int32_t>(lhs.as<int8_t>(), rhs.as<int8_t>(), out.as<int8_t>(), m_geo, m_params); break;
        case BmmPath::Int16:
            batchMatmulQuant<int16_t, int64_t>(lhs.as<int16_t>(), rhs.as<int16_t>(), out.as<int16_t>(), m_geo, m_params);
            break;
        case BmmPath::Hybrid:
            if (!rhs.constant) computeRhsRowSums(rhs);
            batchMatmulHybrid(lhs.as<float>(), rhs.as<int8_t>(), rhs.scale(), out.as<float>(), m_geo, m_asymmetric, m_lhsRows, m_xq,
                              m_sf, m_zp, m_rhsRowSums);
            break;
        }
        return {};
    }

private:
    // Sum over k of R[k, n] for every rhs batch and column n.
    void computeRhsRowSums(const RtTensor& rhs) {
        const size_t batches = size_t(rhs.elementCount()) / (size_t(m_geo.k) * m_geo.n);
        m_rhsRowSums.assign(batches * m_geo.n, 0);
        for (size_t b = 0; b < batches; ++b)
            for (int j = 0; j < m_geo.n; ++j) {
                int32_t s = 0;
                for (int k = 0; k < m_geo.k; ++k) s += rhsAt(rhs.as<int8_t>() + b * size_t(m_geo.k) * m_geo.n, m_geo, k, j);
                m_rhsRowSums[b * m_geo.n + j] = s;
            }
    }

    BmmPath m_path = BmmPath::Float;
    BmmGeometry m_geo;
    bool m_asymmetric = false;
    QuantizedMultiplier m_multiplier;
    fc::QuantFcParams m_params;
    size_t m_lhsRows = 0;
    std::vector<int8_t> m_xq;
    std::vector<float> m_sf;
    std::vector<int32_t> m_zp, m_rhsRowSums;
};

} // namespace

void registerBatchMatmul(KernelRegistry& r) { r.add(BuiltinOp::BATCH_MATMUL, 1, 4, factoryOf<BatchMatmulKernel>()); }

} // namespace ql::rt
