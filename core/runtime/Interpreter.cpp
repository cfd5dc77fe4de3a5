#include "runtime/Interpreter.h"

#include "tflite/Validate.h"

#include <cstdlib>
#include <cstring>

namespace ql::rt {
namespace {

constexpr size_t kAlign = 64;

struct AlignedFree {
    void operator()(void* p) const { std::free(p); }
};
using Storage = std::unique_ptr<uint8_t, AlignedFree>;

Storage allocateAligned(size_t bytes) {
    const size_t rounded = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(kAlign, rounded));
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, rounded);
    return Storage(p);
}

} // namespace

struct Interpreter::SubgraphState {
    std::vector<RtTensor> tensors;
    std::vector<Storage> storage; // per tensor (activations and variables)
    std::vector<std::unique_ptr<OpKernel>> kernels;
    std::vector<std::vector<RtTensor*>> inputs, outputs;
    std::vector<std::vector<uint8_t>> initialVariables; // per tensor, for resetVariables
    bool prepared = false;
    size_t bytes = 0;
};

KernelContext::KernelContext(Interpreter& interp, const Model& model, size_t subgraph, OperatorIndex index,
                             std::vector<RtTensor*> inputs, std::vector<RtTensor*> outputs, const RunOptions& options)
    : m_interp(interp), m_model(model), m_subgraph(subgraph), m_index(index), m_inputs(std::move(inputs)),
      m_outputs(std::move(outputs)), m_options(options) {}

void KernelContext::setOutputShape(size_t i, std::vector<int32_t> shape) { m_outputs[i]->shape = std::move(shape); }

void KernelContext::resizeOutputNow(size_t i, std::vector<int32_t> shape) {
    RtTensor& t = *m_outputs[i];
    t.shape = std::move(shape);
    t.dynamic = true;
    m_interp.allocate(t);
}

ThreadPool* KernelContext::pool() const { return m_interp.pool(); }

Error KernelContext::error(const std::string& what) const {
    return makeError(describeOperator(m_model, m_subgraph, m_index) + ": " + what);
}

Status KernelContext::requireInputs(size_t min, size_t max) const {
    if (m_inputs.size() < min || m_inputs.size() > max)
        return error("has " + std::to_string(m_inputs.size()) + " inputs, expected " +
                     (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)));
    for (size_t i = 0; i < min; ++i)
        if (!m_inputs[i]) return error("input " + std::to_string(i) + " is required but omitted");
    return {};
}

Status KernelContext::requireOutputs(size_t count) const {
    if (m_outputs.size() != count)
        return error("has " + std::to_string(m_outputs.size()) + " outputs, expected " + std::to_string(count));
    return {};
}

Interpreter::Interpreter(std::shared_ptr<const Model> model, InterpreterOptions options)
    : m_model(std::move(model)), m_options(options), m_pool(std::make_unique<ThreadPool>(options.run.threads)) {}

Interpreter::~Interpreter() = default;

Result<std::unique_ptr<Interpreter>> Interpreter::create(std::shared_ptr<const Model> model, InterpreterOptions options) {
    if (!model || model->subgraphs.empty()) return makeError("the model has no subgraphs");
    std::unique_ptr<Interpreter> interp(new Interpreter(std::move(model), options));
    interp->m_subgraphs.resize(interp->m_model->subgraphs.size());
    if (Status s = interp->prepareSubgraph(0); !s) return s.error();
    return interp;
}

void Interpreter::allocate(RtTensor& t) {
    // Find the owning subgraph state by pointer range.
    for (auto& sg : m_subgraphs) {
        if (!sg || sg->tensors.empty() || &t < sg->tensors.data() || &t >= sg->tensors.data() + sg->tensors.size()) continue;
        const size_t index = static_cast<size_t>(&t - sg->tensors.data());
        const auto bytes = byteCount(t.type, static_cast<uint64_t>(t.elementCount()));
        const size_t n = bytes ? static_cast<size_t>(*bytes) : 0;
        if (sg->storage[index] && t.bytes >= n && t.data) {
            t.bytes = n;
            return;
        }
        sg->bytes -= t.bytes;
        sg->storage[index] = allocateAligned(n);
        t.data = sg->storage[index].get();
        t.bytes = n;
        sg->bytes += n;
        return;
    }
}

Status Interpreter::prepareSubgraph(size_t index) {
    if (index >= m_subgraphs.size()) return makeError("subgraph " + std::to_string(index) + " does not exist");
    if (m_subgraphs[index] && m_subgraphs[index]->prepared) return {};
    auto state = std::make_unique<SubgraphState>();
    const Model& model = *m_model;
    const Subgraph& sg = model.subgraphs[index];
    state->tensors.resize(sg.tensors.size());
    state->storage.resize(sg.tensors.size());
    state->initialVariables.resize(sg.tensors.size());
    m_subgraphs[index] = std::move(state);
    SubgraphState& st = *m_subgraphs[index];

    for (size_t i = 0; i < sg.tensors.size(); ++i) {
        const Tensor& src = sg.tensors[i];
        RtTensor& t = st.tensors[i];
        t.type = src.type;
        t.shape = src.shape;
        t.quant = &src.quant;
        t.source = &src;
        t.variable = src.isVariable;
        const Buffer& buf = model.buffer(src.buffer);
        if (!buf.empty() && !src.isVariable) {
            t.constant = true;
            t.data = const_cast<uint8_t*>(buf.data); // kernels never write to inputs
            t.bytes = buf.size;
        }
    }
    // Graph inputs and variables first, so that prepare sees their storage.
    for (TensorIndex in : sg.inputs) allocate(st.tensors[in.index()]);
    for (size_t i = 0; i < sg.tensors.size(); ++i) {
        RtTensor& t = st.tensors[i];
        if (!t.variable) continue;
        allocate(t);
        const Buffer& buf = model.buffer(sg.tensors[i].buffer);
        if (!buf.empty() && buf.size == t.bytes) std::memcpy(t.data, buf.data, buf.size);
        st.initialVariables[i].assign(t.data, t.data + t.bytes);
    }

    const KernelRegistry& registry = KernelRegistry::builtin();
    st.kernels.resize(sg.operators.size());
    st.inputs.resize(sg.operators.size());
    st.outputs.resize(sg.operators.size());
    for (size_t o = 0; o < sg.operators.size(); ++o) {
        const Operator& op = sg.operators[o];
        auto kernel = registry.make(op);
        if (!kernel) return makeError(describeOperator(model, index, OperatorIndex{o}) + ": " + kernel.message());
        for (TensorIndex t : op.inputs) st.inputs[o].push_back(t.valid() ? &st.tensors[t.index()] : nullptr);
        for (TensorIndex t : op.outputs) st.outputs[o].push_back(t.valid() ? &st.tensors[t.index()] : nullptr);
        for (RtTensor* out : st.outputs[o])
            if (!out) return makeError(describeOperator(model, index, OperatorIndex{o}) + ": an output is omitted (-1)");
        KernelContext ctx(*this, model, index, OperatorIndex{o}, st.inputs[o], st.outputs[o], m_options.run);
        if (Status s = kernel.value()->prepare(ctx); !s) return s;
        for (RtTensor* out : st.outputs[o])
            if (!out->constant && !out->variable) allocate(*out);
        st.kernels[o] = std::move(kernel.value());
    }
    // Tensors that no operator writes and that are not inputs (unused): allocate for safety.
    for (size_t i = 0; i < sg.tensors.size(); ++i)
        if (!st.tensors[i].data && !st.tensors[i].constant) allocate(st.tensors[i]);
    st.prepared = true;
    return {};
}

size_t Interpreter::inputCount() const { return m_model->subgraphs[0].inputs.size(); }
size_t Interpreter::outputCount() const { return m_model->subgraphs[0].outputs.size(); }

RtTensor& Interpreter::input(size_t i) { return m_subgraphs[0]->tensors[m_model->subgraphs[0].inputs[i].index()]; }
const RtTensor& Interpreter::output(size_t i) const {
    return m_subgraphs[0]->tensors[m_model->subgraphs[0].outputs[i].index()];
}
RtTensor& Interpreter::tensor(TensorIndex t) { return m_subgraphs[0]->tensors[t.index()]; }
const RtTensor& Interpreter::tensor(TensorIndex t) const { return m_subgraphs[0]->tensors[t.index()]; }

Status Interpreter::setInput(size_t i, TensorType type, std::span<const uint8_t> bytes) {
    if (i >= inputCount())
        return makeError("the model has " + std::to_string(inputCount()) + " inputs, there is no input " + std::to_string(i));
    RtTensor& t = input(i);
    const std::string who = "input " + std::to_string(i) + " '" + t.source->name + "'";
    if (type != t.type)
        return makeError(who + " is " + std::string(typeName(t.type)) + ", but the data is " + std::string(typeName(type)));
    if (bytes.size() != t.bytes)
        return makeError(who + " needs " + std::to_string(t.bytes) + " bytes (" + std::to_string(t.elementCount()) +
                         " elements), but the data has " + std::to_string(bytes.size()));
    std::memcpy(t.data, bytes.data(), bytes.size());
    return {};
}

Status Interpreter::invokeSubgraph(size_t index, const Observer& observer) {
    SubgraphState& st = *m_subgraphs[index];
    for (size_t o = 0; o < st.kernels.size(); ++o) {
        KernelContext ctx(*this, *m_model, index, OperatorIndex{o}, st.inputs[o], st.outputs[o], m_options.run);
        if (Status s = st.kernels[o]->eval(ctx); !s) return s;
        if (observer) observer(NodeEvent{index, OperatorIndex{o}, std::span<RtTensor* const>(st.outputs[o])});
    }
    return {};
}

Status Interpreter::invoke(const Observer& observer) { return invokeSubgraph(0, observer); }

void Interpreter::resetVariables() {
    for (auto& sg : m_subgraphs) {
        if (!sg) continue;
        for (size_t i = 0; i < sg->tensors.size(); ++i)
            if (sg->tensors[i].variable && !sg->initialVariables[i].empty())
                std::memcpy(sg->tensors[i].data, sg->initialVariables[i].data(), sg->initialVariables[i].size());
    }
}

size_t Interpreter::arenaBytes() const {
    size_t n = 0;
    for (const auto& sg : m_subgraphs)
        if (sg) n += sg->bytes;
    return n;
}

Status Interpreter::runSubgraph(size_t index, std::span<RtTensor* const> inputs, std::span<RtTensor* const> outputs,
                                const Observer& observer) {
    if (Status s = prepareSubgraph(index); !s) return s;
    SubgraphState& st = *m_subgraphs[index];
    const Subgraph& sg = m_model->subgraphs[index];
    if (inputs.size() != sg.inputs.size() || outputs.size() != sg.outputs.size())
        return makeError("subgraph " + std::to_string(index) + " takes " + std::to_string(sg.inputs.size()) + " inputs and gives " +
                         std::to_string(sg.outputs.size()) + " outputs");
    for (size_t i = 0; i < inputs.size(); ++i) {
        RtTensor& dst = st.tensors[sg.inputs[i].index()];
        if (dst.bytes != inputs[i]->bytes) return makeError("subgraph " + std::to_string(index) + ": input " + std::to_string(i) + " size differs");
        std::memcpy(dst.data, inputs[i]->data, inputs[i]->bytes);
    }
    if (Status s = invokeSubgraph(index, observer); !s) return s;
    for (size_t i = 0; i < outputs.size(); ++i) {
        const RtTensor& src = st.tensors[sg.outputs[i].index()];
        outputs[i]->shape = src.shape;
        allocate(*outputs[i]);
        std::memcpy(outputs[i]->data, src.data, src.bytes);
    }
    return {};
}

} // namespace ql::rt
