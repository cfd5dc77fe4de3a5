// RNN and UNIDIRECTIONAL_SEQUENCE_RNN (float32): the fully connected recurrent cell
//   h_t = act(b + W x_t + R h_{t-1})
// with weights W [units, input], recurrent weights R [units, units], bias b [units] and the
// hidden state h (input 4, a variable tensor [batch, units] kept between invocations). As
// TFLite's basic_rnn.cc / unidirectional_sequence_rnn.cc and kernel_utils' RnnBatchStep: the
// output starts as the bias, each product row is summed from its first column into a
// separate float and then added (W x first, R h second), the activation is applied, and the
// result becomes the new hidden state. The sequence form runs the step per time slice
// (time-major [time, batch, input]) or per batch row and time slice (batch-major
// [batch, time, input]).
#include "runtime/kernels/matmul/FullyConnectedRef.h"
#include "runtime/kernels/sequence/SequenceKernels.h"
#include "model/ShapeText.h"

#include <algorithm>
#include <cstring>

namespace ql::rt {
namespace {

std::string shapeOf(const RtTensor& t) { return shapeText(t.shape); }

// out[b][r] += sum_c m[r][c] * v[b][c], each sum formed on its own first.
void matrixBatchVectorAccumulate(const float* m, int rows, int cols, const float* v, int batches,
                                 float* out) {
    for (int b = 0; b < batches; ++b)
        for (int r = 0; r < rows; ++r) {
            float dot = 0.f;
            const float* row = m + int64_t(r) * cols;
            const float* x = v + int64_t(b) * cols;
            for (int c = 0; c < cols; ++c)
                dot += row[c] * x[c];
            out[int64_t(b) * rows + r] += dot;
        }
}

class RnnKernel : public OpKernel {
public:
    explicit RnnKernel(const Operator& op)
        : m_sequence(op.op == BuiltinOp::UNIDIRECTIONAL_SEQUENCE_RNN) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(5, 5); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const char* names[] = {"input", "weights", "recurrent weights", "bias", "hidden state"};
        for (size_t i = 0; i < 5; ++i) {
            if (!ctx.input(i)) return ctx.error(std::string(names[i]) + " is missing");
            if (ctx.input(i)->type != TensorType::FLOAT32)
                return ctx.error(std::string(names[i]) + " is " +
                                 std::string(typeName(ctx.input(i)->type)) +
                                 "; only float32 RNNs are supported (hybrid int8 weights are not)");
        }
        const RtTensor& in = *ctx.input(0);
        const RtTensor& w = *ctx.input(1);
        const RtTensor& rw = *ctx.input(2);
        const RtTensor& bias = *ctx.input(3);
        const RtTensor& state = *ctx.input(4);
        if (ctx.output(0).type != TensorType::FLOAT32) return ctx.error("output must be float32");
        if (m_sequence) {
            const auto* o = ctx.options<tflite::SequenceRNNOptionsT>();
            m_timeMajor = o ? o->time_major : false;
            m_act = o ? o->fused_activation_function : Activation::NONE;
            if (in.rank() != 3) return ctx.error("input " + shapeOf(in) + " must be 3-D");
            m_time = m_timeMajor ? in.dim(0) : in.dim(1);
            m_batch = m_timeMajor ? in.dim(1) : in.dim(0);
        } else {
            const auto* o = ctx.options<tflite::RNNOptionsT>();
            m_act = o ? o->fused_activation_function : Activation::NONE;
            if (in.rank() != 2)
                return ctx.error("input " + shapeOf(in) + " must be 2-D [batch, input]");
            m_time = 1;
            m_batch = in.dim(0);
        }
        m_inputSize = in.dim(in.rank() - 1);
        if (w.rank() != 2 || w.dim(1) != m_inputSize)
            return ctx.error("weights " + shapeOf(w) + " must be [units, " +
                             std::to_string(m_inputSize) + "]");
        m_units = w.dim(0);
        if (rw.rank() != 2 || rw.dim(0) != m_units || rw.dim(1) != m_units)
            return ctx.error("recurrent weights " + shapeOf(rw) + " must be [" +
                             std::to_string(m_units) + ", " + std::to_string(m_units) + "]");
        if (bias.elementCount() != m_units)
            return ctx.error("bias " + shapeOf(bias) + " must hold " + std::to_string(m_units) +
                             " values");
        if (state.elementCount() != int64_t(m_batch) * m_units)
            return ctx.error("hidden state " + shapeOf(state) + " must hold batch x units = " +
                             std::to_string(int64_t(m_batch) * m_units) + " values");
        if (!state.variable)
            return ctx.error("the hidden state (input 4) must be a variable tensor");
        if (m_sequence)
            ctx.setOutputShape(0, m_timeMajor ? std::vector<int32_t>{m_time, m_batch, m_units}
                                              : std::vector<int32_t>{m_batch, m_time, m_units});
        else
            ctx.setOutputShape(0, {m_batch, m_units});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const float* x = ctx.input(0)->as<float>();
        const float* w = ctx.input(1)->as<float>();
        const float* rw = ctx.input(2)->as<float>();
        const float* bias = ctx.input(3)->as<float>();
        RtTensor& stateT = *ctx.input(4);
        float* state = stateT.as<float>();
        float* out = ctx.output(0).as<float>();
        const auto step = [&](const float* xs, int batches, float* h, float* o) {
            for (int b = 0; b < batches; ++b)
                std::memcpy(o + int64_t(b) * m_units, bias, size_t(m_units) * sizeof(float));
            matrixBatchVectorAccumulate(w, m_units, m_inputSize, xs, batches, o);
            matrixBatchVectorAccumulate(rw, m_units, m_units, h, batches, o);
            fc::applyActivationFloat(o, size_t(batches) * size_t(m_units), m_act);
            std::memcpy(h, o, size_t(batches) * size_t(m_units) * sizeof(float));
        };
        if (!m_sequence || m_timeMajor) {
            for (int t = 0; t < m_time; ++t)
                step(x + int64_t(t) * m_batch * m_inputSize, m_batch, state,
                     out + int64_t(t) * m_batch * m_units);
        } else {
            for (int b = 0; b < m_batch; ++b)
                for (int t = 0; t < m_time; ++t)
                    step(x + (int64_t(b) * m_time + t) * m_inputSize, 1,
                         state + int64_t(b) * m_units, out + (int64_t(b) * m_time + t) * m_units);
        }
        return {};
    }

private:
    bool m_sequence;
    bool m_timeMajor = false;
    Activation m_act = Activation::NONE;
    int m_time = 1, m_batch = 1, m_inputSize = 0, m_units = 0;
};

} // namespace

void registerRnn(KernelRegistry& r) {
    r.add(BuiltinOp::RNN, 1, 3, factoryOf<RnnKernel>());
    r.add(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_RNN, 1, 3, factoryOf<RnnKernel>());
}

} // namespace ql::rt
