// COMPLEX_ABS, REAL and IMAG: complex64 to float32, element by element, as
// tensorflow/lite/kernels/complex_support.cc computes them (std::abs, std::real, std::imag of
// std::complex<float>). Output shape = input shape.
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/signal/SignalKernels.h"

#include <complex>

namespace ql::rt::signal {
namespace {

class ComplexToReal : public OpKernel {
public:
    explicit ComplexToReal(const Operator& op) : m_op(op.op) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        if (Status s = ew::requireType(ctx, *ctx.input(0), "input", {TensorType::COMPLEX64}); !s)
            return s;
        if (Status s = ew::requireType(ctx, ctx.output(0), "output", {TensorType::FLOAT32}); !s)
            return s;
        ctx.setOutputShape(0, ctx.input(0)->shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const auto* in = ctx.input(0)->as<std::complex<float>>();
        float* out = ctx.output(0).as<float>();
        const int64_t n = ctx.output(0).elementCount();
        for (int64_t i = 0; i < n; ++i)
            out[i] = m_op == BuiltinOp::COMPLEX_ABS ? std::abs(in[i])
                     : m_op == BuiltinOp::REAL      ? in[i].real()
                                                    : in[i].imag();
        return {};
    }

private:
    BuiltinOp m_op;
};

} // namespace

void registerComplexOps(KernelRegistry& r) {
    for (BuiltinOp op : {BuiltinOp::COMPLEX_ABS, BuiltinOp::REAL, BuiltinOp::IMAG})
        r.add(op, 1, 1, factoryOf<ComplexToReal>());
}

} // namespace ql::rt::signal
