// LOCAL_RESPONSE_NORMALIZATION (float32, 4-D NHWC): across channels,
//   out[c] = in[c] * (bias + alpha * sum_{k = c - radius .. c + radius} in[k]^2) ^ -beta
// with the window clipped to the channels that exist, as TFLite's local_response_norm.cc
// (its optimized kernel sums the squares through Eigen, so floats agree to rounding).
#include "runtime/Kernel.h"
#include "runtime/kernels/pool_reduce/PoolReduceKernels.h"

#include <algorithm>
#include <cmath>

namespace ql::rt::poolreduce {
namespace {

class LocalResponseNorm : public OpKernel {
public:
    explicit LocalResponseNorm(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (in.type != TensorType::FLOAT32 || ctx.output(0).type != TensorType::FLOAT32)
            return ctx.error("only float32 is supported");
        if (in.rank() != 4) return ctx.error("input must be 4-D");
        const auto* o = ctx.options<tflite::LocalResponseNormalizationOptionsT>();
        if (!o) return ctx.error("has no LocalResponseNormalizationOptions");
        if (o->radius < 0)
            return ctx.error("radius is " + std::to_string(o->radius) + ", must be >= 0");
        m_radius = o->radius;
        m_bias = o->bias;
        m_alpha = o->alpha;
        m_beta = o->beta;
        ctx.setOutputShape(0, in.shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const int64_t depth = in.dim(3);
        const int64_t rows = depth == 0 ? 0 : in.elementCount() / depth;
        const float* x = in.as<float>();
        float* y = ctx.output(0).as<float>();
        for (int64_t r = 0; r < rows; ++r) {
            const float* xr = x + r * depth;
            float* yr = y + r * depth;
            for (int64_t c = 0; c < depth; ++c) {
                const int64_t lo = std::max<int64_t>(0, c - m_radius),
                              hi = std::min<int64_t>(depth, c + int64_t(m_radius) + 1);
                float sum = 0.f;
                for (int64_t k = lo; k < hi; ++k)
                    sum += xr[k] * xr[k];
                yr[c] = xr[c] * std::pow(m_bias + m_alpha * sum, -m_beta);
            }
        }
        return {};
    }

private:
    int m_radius = 0;
    float m_bias = 1, m_alpha = 1, m_beta = 0.5f;
};

} // namespace

void registerLrnKernels(KernelRegistry& r) {
    r.add(BuiltinOp::LOCAL_RESPONSE_NORMALIZATION, 1, 1, factoryOf<LocalResponseNorm>());
}

} // namespace ql::rt::poolreduce
