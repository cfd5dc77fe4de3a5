#include "runtime/Interpreter.h"
#include "model/ShapeText.h"

#include "runtime/ArenaPlanner.h"
#include "runtime/OperatorWork.h"
#include "runtime/Resources.h"
#include "tflite/Validate.h"
#include "util/CheckedMath.h"
#include "util/Limits.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace ql::rt {
namespace {

constexpr size_t kAlign = 64;

struct AlignedFree {
    void operator()(void* p) const { std::free(p); }
};
using Storage = std::unique_ptr<uint8_t, AlignedFree>;

Storage allocateAligned(size_t bytes) {
    if (bytes > SIZE_MAX - kAlign) throw std::bad_alloc();
    const size_t rounded = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(kAlign, rounded));
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, rounded);
    return Storage(p);
}

// Bytes for the tensor's current shape; 0 for unknown (negative) dimensions and for types
// without a fixed element size. A shape whose element count or byte size overflows gives
// SIZE_MAX, so that every limit check refuses it.
// Bytes of `count` elements at run time: byteCount, plus RESOURCE, whose tensors hold one
// int32, the id of their variable (runtime/Resources.h), whatever shape the file declares
// (TFLite's are [] or [1]; the loader's memory check does not size resource tensors, so a
// declared [2^30] must not become 4 GiB here).
std::optional<uint64_t> runtimeByteCount(TensorType type, uint64_t count) {
    if (type == TensorType::RESOURCE) return count == 0 ? 0 : sizeof(int32_t);
    return byteCount(type, count);
}

size_t bytesFor(const RtTensor& t) {
    for (int32_t d : t.shape)
        if (d < 0) return 0;
    const auto count = checkedElementCount(std::span<const int32_t>(t.shape));
    if (!count) return SIZE_MAX;
    const auto b = runtimeByteCount(t.type, uint64_t(*count));
    if (!b) return elementSize(t.type) != 0 ? SIZE_MAX : 0;
    return *b > SIZE_MAX / 2 ? SIZE_MAX : static_cast<size_t>(*b);
}

// BOOL storage: kernels read bool*, for which only the bytes 0 and 1 are valid values.
bool isZeroOne(std::span<const uint8_t> bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b <= 1; });
}
void toZeroOne(std::span<uint8_t> bytes) {
    for (uint8_t& b : bytes) b = b != 0 ? 1 : 0;
}

// "operator 5 (CUSTOM 'Foo')" / "subgraph 1, operator 2 (ADD)".
std::string describeOp(const Model& model, size_t subgraph, size_t o) {
    const Operator& op = model.subgraphs[subgraph].operators[o];
    if (op.op != BuiltinOp::CUSTOM) return describeOperator(model, subgraph, OperatorIndex{o});
    return (model.subgraphs.size() > 1 ? "subgraph " + std::to_string(subgraph) + ", " : std::string()) + "operator " +
           std::to_string(o) + " (CUSTOM '" + op.customCode + "')";
}

// Every operator of every subgraph without a kernel, in one message, so that a user sees at
// once all that a model needs (operators with the same reason are listed together):
// "3 operators have no kernel: operator 4 (CUSTOM 'Foo'), operator 9 (CUSTOM 'Foo'): custom
// operator 'Foo' is not supported; operator 7 (RFFT2D): RFFT2D is not supported ...".
// Integer kernels derive their multipliers and clamp bounds from the scales of their
// tensors; a scale that is not a positive finite number gives NaN or infinite multipliers
// (converted to integers: undefined behaviour). The loader reports such scales; the
// interpreter refuses to run them on an integer tensor (float tensors ignore their scales).
Status checkIntegerScales(const Model& model) {
    for (size_t si = 0; si < model.subgraphs.size(); ++si) {
        const Subgraph& sg = model.subgraphs[si];
        for (size_t ti = 0; ti < sg.tensors.size(); ++ti) {
            const Tensor& t = sg.tensors[ti];
            if (t.type != TensorType::INT8 && t.type != TensorType::UINT8 && t.type != TensorType::INT16 && t.type != TensorType::INT4)
                continue;
            for (size_t i = 0; i < t.quant.scale.size(); ++i) {
                const float scale = t.quant.scale[i];
                if (!std::isfinite(scale) || scale <= 0.0f)
                    return makeError(describeTensor(model, si, TensorIndex{ti}) + ": scale[" + std::to_string(i) + "] is " +
                                     std::to_string(scale) + "; an integer tensor needs a positive finite scale");
            }
        }
    }
    return {};
}

Status checkKernels(const Model& model) {
    const KernelRegistry& registry = KernelRegistry::builtin();
    std::vector<std::pair<std::string, std::vector<std::string>>> byReason;
    size_t missing = 0;
    for (size_t si = 0; si < model.subgraphs.size(); ++si)
        for (size_t o = 0; o < model.subgraphs[si].operators.size(); ++o) {
            const Operator& op = model.subgraphs[si].operators[o];
            if (registry.supports(op)) continue;
            auto made = registry.make(op);
            const std::string reason = made ? std::string("no kernel") : made.message();
            auto it = std::find_if(byReason.begin(), byReason.end(), [&](const auto& r) { return r.first == reason; });
            if (it == byReason.end()) it = byReason.insert(byReason.end(), {reason, {}});
            it->second.push_back(describeOp(model, si, o));
            ++missing;
        }
    if (missing == 0) return {};
    std::string text = missing == 1 ? std::string() : std::to_string(missing) + " operators have no kernel: ";
    for (size_t r = 0; r < byReason.size(); ++r) {
        text += r ? "; " : "";
        for (size_t i = 0; i < byReason[r].second.size(); ++i) text += (i ? ", " : "") + byReason[r].second[i];
        text += ": " + byReason[r].first;
    }
    return makeError(text);
}

} // namespace

struct Interpreter::SubgraphState {
    std::vector<RtTensor> tensors;
    std::vector<size_t> capacity;   // writable bytes at tensors[i].data (0: read-only or none)
    std::vector<Storage> own;       // variables and outputs allocated outside the arena
    std::vector<uint8_t> live;      // readable after invoke
    std::vector<std::vector<uint8_t>> initialVariables;
    Storage arena;
    size_t arenaBytes = 0, naiveBytes = 0, variableBytes = 0, dynamicBytes = 0, constantBytes = 0;
    std::vector<std::unique_ptr<OpKernel>> kernels;
    std::vector<std::unique_ptr<KernelContext>> contexts;
    std::vector<std::vector<std::vector<int32_t>>> preparedShapes; // input shapes seen by prepare
    // Constant folding: per operator, evaluated at prepare; per tensor, output of such an
    // operator (own storage, outside the arena); per tensor, a folded tensor whose bytes the
    // input hook may have changed since they were computed (its operator runs again).
    std::vector<uint8_t> folded, foldedTensor, stale;
    size_t foldedBytes = 0, foldedOperators = 0;
    bool prepared = false, preparing = false, running = false;
};

KernelContext::KernelContext(Interpreter& interp, const Model& model, size_t subgraph, OperatorIndex index,
                             std::vector<RtTensor*> inputs, std::vector<RtTensor*> outputs, const RunOptions& options)
    : m_interp(interp), m_model(model), m_subgraph(subgraph), m_index(index), m_inputs(std::move(inputs)),
      m_outputs(std::move(outputs)), m_options(options) {}

void KernelContext::setOutputShape(size_t i, std::vector<int32_t> shape) { m_outputs[i]->shape = std::move(shape); }

Status KernelContext::resizeOutputNow(size_t i, std::vector<int32_t> shape) {
    RtTensor& t = *m_outputs[i];
    t.shape = std::move(shape);
    t.dynamic = true;
    if (Status s = m_interp.allocate(t); !s) return error("output " + std::to_string(i) + ": " + s.message());
    return {};
}

ThreadPool* KernelContext::pool() const { return m_interp.pool(); }

Error KernelContext::error(const std::string& what) const {
    return makeError(describeOp(m_model, m_subgraph, m_index.index()) + ": " + what);
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
    : m_model(std::move(model)), m_options(options), m_pool(std::make_unique<ThreadPool>(options.run.threads)),
      m_resources(std::make_unique<ResourceTable>()) {}

Interpreter::~Interpreter() = default;

Result<std::unique_ptr<Interpreter>> Interpreter::create(std::shared_ptr<const Model> model, InterpreterOptions options) {
    if (!model || model->subgraphs.empty()) return makeError("the model has no subgraphs");
    options.run.threads = std::clamp(options.run.threads, 1, 64);
    if (Status s = checkKernels(*model); !s) return s.error();
    if (Status s = checkIntegerScales(*model); !s) return s.error();
    std::unique_ptr<Interpreter> interp(new Interpreter(std::move(model), options));
    interp->m_subgraphs.resize(interp->m_model->subgraphs.size());
    if (Status s = interp->prepareSubgraph(0); !s) return s.error();
    return interp;
}

Interpreter::SubgraphState* Interpreter::stateOf(const RtTensor& t, size_t* tensorIndex) {
    for (auto& sg : m_subgraphs) {
        if (!sg || sg->tensors.empty() || &t < sg->tensors.data() || &t >= sg->tensors.data() + sg->tensors.size()) continue;
        *tensorIndex = static_cast<size_t>(&t - sg->tensors.data());
        return sg.get();
    }
    return nullptr;
}

Status Interpreter::allocate(RtTensor& t) {
    size_t i = 0;
    SubgraphState* st = stateOf(t, &i);
    if (!st) return {}; // not one of ours (a kernel's scratch tensor)
    const size_t n = bytesFor(t);
    if (t.data && n <= st->capacity[i]) {
        t.bytes = n;
        return {};
    }
    // Outside the arena: the slot (if any) is too small for the new shape. Shapes computed
    // while running come from the input data (shape tensors, fft lengths, output_shape
    // inputs), so the same limits as at prepare hold before anything is allocated: one tensor
    // at most 4 GiB or the memory limit, and everything the interpreter holds within the
    // memory limit.
    const uint64_t maxTensorBytes = std::min<uint64_t>(uint64_t(4) << 30, memoryLimitBytes());
    const std::string what = (t.source ? "tensor '" + t.source->name + "'" : std::string("a tensor")) + " of shape " + shapeText(t.shape);
    if (n > maxTensorBytes)
        return makeError(what + " needs " + (n == SIZE_MAX ? std::string("an impossible size") : byteSizeText(n)) +
                         ", more than the limit of " + byteSizeText(maxTensorBytes) + " for one tensor");
    uint64_t held = n;
    for (const auto& sg : m_subgraphs)
        if (sg) held += uint64_t(sg->arenaBytes) + sg->dynamicBytes + sg->variableBytes;
    if (st->own[i] && !t.variable) held -= std::min<uint64_t>(held, st->capacity[i]);
    if (held > memoryLimitBytes())
        return makeError(what + " needs " + byteSizeText(n) + "; with the " + byteSizeText(held - n) +
                         " already held that is more than the memory limit of " + byteSizeText(memoryLimitBytes()) +
                         " (--max-memory)");
    if (st->own[i] && !t.variable) st->dynamicBytes -= st->capacity[i];
    st->own[i] = allocateAligned(n);
    t.data = st->own[i].get();
    t.bytes = n;
    st->capacity[i] = n;
    st->live[i] = 1;
    if (!t.variable) {
        t.dynamic = true;
        st->dynamicBytes += n;
    }
    return {};
}

Status Interpreter::prepareSubgraph(size_t index) {
    if (index >= m_subgraphs.size())
        return makeError("subgraph " + std::to_string(index) + " does not exist (the model has " + std::to_string(m_subgraphs.size()) +
                         ")");
    if (m_subgraphs[index] && m_subgraphs[index]->prepared) return {};
    if (m_subgraphs[index] && m_subgraphs[index]->preparing)
        return makeError("subgraph " + std::to_string(index) + " calls itself; recursive subgraphs are not supported");
    m_subgraphs[index] = std::make_unique<SubgraphState>();
    SubgraphState& st = *m_subgraphs[index];
    st.preparing = true;
    const Model& model = *m_model;
    const Subgraph& sg = model.subgraphs[index];
    const size_t nt = sg.tensors.size();
    st.tensors.resize(nt);
    st.capacity.assign(nt, 0);
    st.own.resize(nt);
    st.live.assign(nt, 0);
    st.initialVariables.resize(nt);
    st.foldedTensor.assign(nt, 0);
    st.stale.assign(nt, 0);

    for (size_t i = 0; i < nt; ++i) {
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
            t.data = const_cast<uint8_t*>(buf.data); // read only: kernels never write their inputs
            t.bytes = buf.size;
            // Writers need not align buffers to their element type (real files hold int64 biases
            // at 4-byte offsets); kernels read typed pointers, so misaligned constants get an
            // aligned copy once, here.
            // Kernels read BOOL through bool*, which may only hold the bytes 0 and 1; a file can
            // hold any byte (TFLite reads non-zero as true), so such constants get a 0/1 copy.
            const bool oddBools = t.type == TensorType::BOOL && !isZeroOne({buf.data, buf.size});
            const size_t align = std::min<size_t>(elementSize(t.type), 8);
            if (oddBools || (align > 1 && reinterpret_cast<uintptr_t>(buf.data) % align != 0)) {
                st.own[i] = allocateAligned(buf.size);
                std::memcpy(st.own[i].get(), buf.data, buf.size);
                t.data = st.own[i].get();
                if (oddBools) toZeroOne({t.data, buf.size});
            }
            st.live[i] = 1;
            st.constantBytes += buf.size;
        } else if (src.isVariable) {
            // Variables: own storage, initial value from the buffer; without one zeros, or for
            // int8 the zero point (real 0), as TFLite's ResetVariableTensor fills them.
            const size_t n = bytesFor(t);
            st.own[i] = allocateAligned(n);
            t.data = st.own[i].get();
            t.bytes = n;
            st.capacity[i] = n;
            st.live[i] = 1;
            if (!buf.empty() && buf.size == n) {
                std::memcpy(t.data, buf.data, n);
                if (t.type == TensorType::BOOL) toZeroOne({t.data, n});
            }
            else if (t.type == TensorType::INT8 && !src.quant.zeroPoint.empty())
                std::memset(t.data, int(int8_t(src.quant.zeroPoint[0])), n);
            st.initialVariables[i].assign(t.data, t.data + n);
            st.variableBytes += n;
        } else {
            t.bytes = bytesFor(t);
        }
    }

    const KernelRegistry& registry = KernelRegistry::builtin();
    const size_t nops = sg.operators.size();
    st.kernels.resize(nops);
    st.contexts.resize(nops);
    st.preparedShapes.resize(nops);
    st.folded.assign(nops, 0);
    for (size_t o = 0; o < nops; ++o) {
        const Operator& op = sg.operators[o];
        auto kernel = registry.make(op);
        if (!kernel) {
            st.preparing = false;
            return makeError(describeOp(model, index, o) + ": " + kernel.message());
        }
        std::vector<RtTensor*> ins, outs;
        for (TensorIndex t : op.inputs) ins.push_back(t.valid() ? &st.tensors[t.index()] : nullptr);
        for (TensorIndex t : op.outputs) {
            if (!t.valid()) {
                st.preparing = false;
                return makeError(describeOp(model, index, o) + ": an output is omitted (-1)");
            }
            if (st.tensors[t.index()].constant) {
                st.preparing = false;
                return makeError(describeOp(model, index, o) + ": output " + describeTensor(model, index, t) +
                                 " has constant data; an operator cannot write a constant");
            }
            outs.push_back(&st.tensors[t.index()]);
        }
        st.kernels[o] = std::move(kernel.value());
        st.contexts[o] = std::make_unique<KernelContext>(*this, model, index, OperatorIndex{o}, std::move(ins), std::move(outs),
                                                         m_options.run);
        if (Status s = prepareOperator(index, o); !s) {
            st.preparing = false;
            return s;
        }
        if (foldable(index, o)) foldOperator(index, o);
    }
    if (Status s = planSubgraph(index); !s) {
        st.preparing = false;
        return s;
    }
    st.preparing = false;
    st.prepared = true;
    return {};
}

// Runs the kernel's prepare and records the input shapes it saw. Before the arena exists,
// only output shapes (and bytes) are set; afterwards outputs that outgrew their slot move
// out of the arena.
Status Interpreter::prepareOperator(size_t index, size_t o) {
    SubgraphState& st = *m_subgraphs[index];
    KernelContext& ctx = *st.contexts[o];
    if (Status s = st.kernels[o]->prepare(ctx); !s) return s;
    // Work that the memory limit does not bound (a pooling window, a reduction length).
    if (Status s = checkOperatorWork(ctx, estimateOperatorWork(ctx)); !s) return s;
    // Output shapes come from the file's data (shape tensors, multiples, paddings): whatever a
    // kernel computed, nothing negative, wrapped or larger than the limit is allocated. The
    // limit is the reader's for one tensor (4 GiB), or the memory limit when lower.
    const uint64_t maxTensorBytes = std::min<uint64_t>(uint64_t(4) << 30, memoryLimitBytes());
    for (size_t i = 0; i < ctx.outputCount(); ++i) {
        const RtTensor& out = ctx.output(i);
        const auto count = checkedElementCount(std::span<const int32_t>(out.shape));
        const auto bytes = count ? runtimeByteCount(out.type, uint64_t(*count)) : std::nullopt;
        if (!bytes || *bytes > maxTensorBytes)
            return makeError(describeOp(*m_model, index, o) + ": output " + std::to_string(i) + " is " +
                             describeTensor(*m_model, index, m_model->subgraphs[index].operators[o].outputs[i]) + " of shape " +
                             shapeText(out.shape) + ": " + (bytes ? byteSizeText(*bytes) : std::string("an impossible size")) +
                             ", more than the limit of " + byteSizeText(maxTensorBytes) + " for one tensor");
        // A variable keeps the storage of its declared shape for the whole run (its value
        // persists across invocations), so an operator may write it only at that size.
        if (out.variable && *bytes != out.bytes)
            return makeError(describeOp(*m_model, index, o) + ": output " + std::to_string(i) + " is the variable " +
                             describeTensor(*m_model, index, m_model->subgraphs[index].operators[o].outputs[i]) + " of " +
                             byteSizeText(out.bytes) + ", but the operator gives it shape " + shapeText(out.shape) + " (" +
                             byteSizeText(*bytes) + ")");
    }
    auto& shapes = st.preparedShapes[o];
    shapes.resize(ctx.inputCount());
    for (size_t i = 0; i < ctx.inputCount(); ++i) shapes[i] = ctx.input(i) ? ctx.input(i)->shape : std::vector<int32_t>{};
    for (size_t i = 0; i < ctx.outputCount(); ++i) {
        RtTensor& out = ctx.output(i);
        if (st.prepared) {
            if (Status s = allocate(out); !s) return makeError(describeOp(*m_model, index, o) + ": output " + std::to_string(i) + ": " + s.message());
        }
        else if (!out.variable) out.bytes = bytesFor(out);
    }
    return {};
}

namespace {

// Operators that are not pure functions of their inputs: control flow runs subgraphs (and
// CALL_ONCE initialises variables), resource operators have state, random operators differ
// per run. Custom operators are unknown and never folded either.
bool hasSideEffects(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::CUSTOM:
    case BuiltinOp::WHILE:
    case BuiltinOp::IF:
    case BuiltinOp::CALL:
    case BuiltinOp::CALL_ONCE:
    case BuiltinOp::VAR_HANDLE:
    case BuiltinOp::READ_VARIABLE:
    case BuiltinOp::ASSIGN_VARIABLE:
    case BuiltinOp::HASHTABLE:
    case BuiltinOp::HASHTABLE_FIND:
    case BuiltinOp::HASHTABLE_IMPORT:
    case BuiltinOp::HASHTABLE_SIZE:
    case BuiltinOp::HASHTABLE_LOOKUP:
    case BuiltinOp::RANDOM_STANDARD_NORMAL:
    case BuiltinOp::RANDOM_UNIFORM:
    case BuiltinOp::MULTINOMIAL:
        return true;
    default:
        return false;
    }
}

bool contains(const std::vector<TensorIndex>& list, TensorIndex t) { return std::find(list.begin(), list.end(), t) != list.end(); }

} // namespace

// An operator can be folded when it is pure and every tensor it reads is constant data or the
// output of an operator folded before it; none of its tensors is a variable or an input or
// output of the subgraph (those change between runs or must stay writable by the caller).
bool Interpreter::foldable(size_t index, size_t o) const {
    if (!m_options.foldConstants) return false;
    const SubgraphState& st = *m_subgraphs[index];
    const Subgraph& sg = m_model->subgraphs[index];
    const Operator& op = sg.operators[o];
    if (hasSideEffects(op.op) || op.outputs.empty()) return false;
    size_t readsSomething = 0;
    for (TensorIndex t : op.inputs) {
        if (!t.valid()) continue;
        const RtTensor& x = st.tensors[t.index()];
        if (x.variable || !(x.constant || st.foldedTensor[t.index()]) || contains(sg.inputs, t) || contains(sg.outputs, t)) return false;
        ++readsSomething;
    }
    if (!readsSomething) return false;
    for (TensorIndex t : op.outputs)
        if (st.tensors[t.index()].variable || contains(sg.inputs, t) || contains(sg.outputs, t)) return false;
    return true;
}

// Gives the operator's outputs their own storage and evaluates it now. When the eval fails,
// the operator stays unfolded (its error then comes from invoke, as without folding).
bool Interpreter::foldOperator(size_t index, size_t o) {
    SubgraphState& st = *m_subgraphs[index];
    KernelContext& ctx = *st.contexts[o];
    const Operator& op = m_model->subgraphs[index].operators[o];
    for (TensorIndex t : op.outputs) {
        RtTensor& out = st.tensors[t.index()];
        out.bytes = bytesFor(out);
        st.own[t.index()] = allocateAligned(out.bytes);
        out.data = st.own[t.index()].get();
        st.capacity[t.index()] = out.bytes;
        st.foldedTensor[t.index()] = 1;
    }
    // A data-dependent output (resizeOutputNow) moves into new own storage during the eval;
    // that storage is counted as folded, not dynamic.
    const size_t dynamicBefore = st.dynamicBytes;
    const bool ok = static_cast<bool>(st.kernels[o]->eval(ctx));
    st.dynamicBytes = dynamicBefore;
    for (TensorIndex t : op.outputs) {
        RtTensor& out = st.tensors[t.index()];
        if (ok) {
            st.live[t.index()] = 1;
            st.foldedBytes += st.capacity[t.index()];
            continue;
        }
        st.own[t.index()].reset();
        out.data = nullptr;
        out.bytes = bytesFor(out);
        st.capacity[t.index()] = 0;
        st.foldedTensor[t.index()] = 0;
    }
    st.folded[o] = ok ? 1 : 0;
    st.foldedOperators += ok ? 1 : 0;
    return ok;
}

Status Interpreter::planSubgraph(size_t index) {
    SubgraphState& st = *m_subgraphs[index];
    const Subgraph& sg = m_model->subgraphs[index];
    const size_t nt = sg.tensors.size();
    const int nops = static_cast<int>(sg.operators.size());
    const int end = std::max(nops - 1, 0);
    std::vector<int> first(nt, INT_MAX), last(nt, -1);
    std::vector<uint8_t> produced(nt, 0), whole(nt, 0);
    auto planned = [&](size_t t) { return !st.tensors[t].constant && !st.tensors[t].variable && !st.foldedTensor[t]; };
    for (int o = 0; o < nops; ++o) {
        const Operator& op = sg.operators[static_cast<size_t>(o)];
        for (TensorIndex t : op.outputs) {
            first[t.index()] = std::min(first[t.index()], o);
            last[t.index()] = std::max(last[t.index()], o);
            produced[t.index()] = 1;
        }
        for (TensorIndex t : op.inputs) {
            if (!t.valid()) continue;
            first[t.index()] = std::min(first[t.index()], o);
            last[t.index()] = std::max(last[t.index()], o);
        }
    }
    for (TensorIndex t : sg.inputs) whole[t.index()] = 1;
    for (TensorIndex t : sg.outputs) whole[t.index()] = 1;
    for (size_t t = 0; t < nt; ++t) {
        if (last[t] >= 0 && !produced[t]) whole[t] = 1; // read but never written: zeros, kept
        if (m_options.keepAllTensors && last[t] >= 0) whole[t] = 1;
    }

    std::vector<size_t> members;
    std::vector<ArenaRequest> requests;
    for (size_t t = 0; t < nt; ++t) {
        if (!planned(t) || (last[t] < 0 && !whole[t])) continue;
        members.push_back(t);
        requests.push_back(whole[t] ? ArenaRequest{st.tensors[t].bytes, 0, end}
                                    : ArenaRequest{st.tensors[t].bytes, first[t], last[t]});
    }
    const ArenaPlan plan = planArena(requests, kAlign);
    size_t total = plan.arenaBytes;
    for (const auto& other : m_subgraphs)
        if (other && other.get() != &st) total += other->arenaBytes;
    if (total > memoryLimitBytes())
        return makeError((m_model->subgraphs.size() > 1 ? "subgraph " + std::to_string(index) + ": " : std::string()) +
                         "the activations need " + byteSizeText(total) + ", more than the memory limit of " +
                         byteSizeText(memoryLimitBytes()) + " (--max-memory)");
    st.arena = allocateAligned(plan.arenaBytes);
    st.arenaBytes = plan.arenaBytes;
    st.naiveBytes = plan.naiveBytes;
    for (size_t k = 0; k < members.size(); ++k) {
        RtTensor& t = st.tensors[members[k]];
        t.data = st.arena.get() + plan.offsets[k];
        st.capacity[members[k]] = (requests[k].bytes + kAlign - 1) / kAlign * kAlign;
    }
    // A tensor is still readable after the run unless a tensor that starts after its last use
    // shares bytes with it.
    for (size_t k = 0; k < members.size(); ++k) {
        bool live = true;
        const size_t a0 = plan.offsets[k], a1 = a0 + requests[k].bytes;
        for (size_t j = 0; j < members.size() && live; ++j) {
            if (requests[j].first <= requests[k].last) continue;
            const size_t b0 = plan.offsets[j], b1 = b0 + requests[j].bytes;
            if (a0 < b1 && b0 < a1) live = false;
        }
        st.live[members[k]] = live ? 1 : 0;
    }
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
size_t Interpreter::tensorCount() const { return m_subgraphs[0]->tensors.size(); }
bool Interpreter::isLive(TensorIndex t) const { return m_subgraphs[0]->live[t.index()] != 0 && m_subgraphs[0]->tensors[t.index()].data; }
bool Interpreter::isFolded(OperatorIndex op) const { return op.valid() && op.index() < m_subgraphs[0]->folded.size() && m_subgraphs[0]->folded[op.index()]; }

const RtTensor& Interpreter::subgraphTensor(size_t index, TensorIndex t) const { return m_subgraphs[index]->tensors[t.index()]; }

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
    if (!bytes.empty()) std::memcpy(t.data, bytes.data(), bytes.size());
    if (t.type == TensorType::BOOL) toZeroOne({t.data, t.bytes}); // non-zero is true, as in TFLite
    return {};
}

Status Interpreter::setInput(size_t i, TensorType type, std::span<const int64_t> shape, std::span<const uint8_t> bytes) {
    if (i >= inputCount())
        return makeError("the model has " + std::to_string(inputCount()) + " inputs, there is no input " + std::to_string(i));
    const RtTensor& t = input(i);
    if (type == t.type) {
        bool same = shape.size() == t.shape.size();
        for (size_t d = 0; same && d < shape.size(); ++d) same = shape[d] == t.shape[d];
        if (!same) {
            std::vector<int32_t> given;
            for (int64_t d : shape) given.push_back(static_cast<int32_t>(std::clamp<int64_t>(d, INT32_MIN, INT32_MAX)));
            return makeError("input " + std::to_string(i) + " '" + t.source->name + "' has shape " + shapeText(t.shape) +
                             ", but the data has shape " + shapeText(given));
        }
    }
    return setInput(i, type, bytes);
}

Status Interpreter::invokeSubgraph(size_t index, const Observer& observer) {
    SubgraphState& st = *m_subgraphs[index];
    if (st.running)
        return makeError("subgraph " + std::to_string(index) + " is already running; recursive calls are not supported");
    st.running = true;
    Status result;
    const Operator* ops = m_model->subgraphs[index].operators.data();
    for (size_t o = 0; o < st.kernels.size() && result; ++o) {
        if (interruptRequested()) { // util/Limits.h: SIGINT/SIGTERM
            result = makeError("interrupted");
            break;
        }
        KernelContext& ctx = *st.contexts[o];
        const bool folded = st.folded[o] != 0;
        // An input changed shape since prepare (dynamic upstream output, subgraph called with
        // other shapes): prepare again, as TFLite does after a resize. Folded operators read
        // constants only, whose shapes never change.
        const auto& seen = st.preparedShapes[o];
        for (size_t i = 0; i < ctx.inputCount() && !folded; ++i) {
            if (ctx.input(i) && ctx.input(i)->shape != seen[i]) {
                result = prepareOperator(index, o);
                break;
            }
        }
        if (!result) break;
        if (m_inputHook) {
            std::vector<RtTensor*> ins;
            for (size_t i = 0; i < ctx.inputCount(); ++i) ins.push_back(ctx.input(i));
            (*m_inputHook)(InputEvent{index, OperatorIndex{o}, std::span<RtTensor* const>(ins)});
            // The hook may have overwritten folded inputs: they hold their folded value again
            // only after their operator runs again.
            for (TensorIndex t : ops[o].inputs)
                if (t.valid() && st.foldedTensor[t.index()]) st.stale[t.index()] = 1;
        }
        if (!folded) {
            result = st.kernels[o]->eval(ctx);
        } else {
            // Skip the eval unless an input or output differs from its folded value. Outputs
            // computed from a changed input differ themselves until recomputed from clean ones.
            bool staleIn = false, staleOut = false;
            for (TensorIndex t : ops[o].inputs) staleIn = staleIn || (t.valid() && st.stale[t.index()]);
            for (TensorIndex t : ops[o].outputs) staleOut = staleOut || st.stale[t.index()];
            if (staleIn || staleOut) {
                result = st.kernels[o]->eval(ctx);
                for (TensorIndex t : ops[o].outputs) st.stale[t.index()] = staleIn ? 1 : 0;
            }
        }
        if (result && observer) {
            std::vector<RtTensor*> outs;
            for (size_t i = 0; i < ctx.outputCount(); ++i) outs.push_back(&ctx.output(i));
            observer(NodeEvent{index, OperatorIndex{o}, std::span<RtTensor* const>(outs)});
        }
    }
    st.running = false;
    return result;
}

Status Interpreter::invoke(const Observer& observer) {
    m_observer = observer ? &observer : nullptr;
    Status s = invokeSubgraph(0, observer);
    m_observer = nullptr;
    return s;
}

Status Interpreter::invoke(const Observer& observer, const InputHook& beforeEval) {
    m_inputHook = beforeEval ? &beforeEval : nullptr;
    Status s = invoke(observer);
    m_inputHook = nullptr;
    return s;
}

void Interpreter::resetVariables() {
    for (auto& sg : m_subgraphs) {
        if (!sg) continue;
        for (size_t i = 0; i < sg->tensors.size(); ++i)
            if (sg->tensors[i].variable && !sg->initialVariables[i].empty())
                std::memcpy(sg->tensors[i].data, sg->initialVariables[i].data(), sg->initialVariables[i].size());
    }
}

size_t Interpreter::arenaBytes() const { return memoryStats().arenaBytes; }

MemoryStats Interpreter::memoryStats() const {
    MemoryStats m;
    for (const auto& sg : m_subgraphs) {
        if (!sg) continue;
        m.arenaBytes += sg->arenaBytes;
        m.naiveBytes += sg->naiveBytes;
        m.variableBytes += sg->variableBytes;
        m.dynamicBytes += sg->dynamicBytes;
        m.constantBytes += sg->constantBytes;
        m.foldedBytes += sg->foldedBytes;
        m.foldedOperators += sg->foldedOperators;
    }
    return m;
}

Status Interpreter::runSubgraph(size_t index, std::span<RtTensor* const> inputs, std::span<RtTensor* const> outputs,
                                const Observer& observer) {
    if (Status s = prepareSubgraph(index); !s) return s;
    SubgraphState& st = *m_subgraphs[index];
    const Subgraph& sg = m_model->subgraphs[index];
    const std::string who = "subgraph " + std::to_string(index) + (sg.name.empty() ? "" : " '" + sg.name + "'");
    if (inputs.size() != sg.inputs.size() || (outputs.size() != sg.outputs.size() && !outputs.empty()))
        return makeError(who + " takes " + std::to_string(sg.inputs.size()) + " inputs and gives " + std::to_string(sg.outputs.size()) +
                         " outputs, but the caller passes " + std::to_string(inputs.size()) + " and " +
                         std::to_string(outputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
        RtTensor& dst = st.tensors[sg.inputs[i].index()];
        if (dst.type != inputs[i]->type)
            return makeError(who + ": input " + std::to_string(i) + " is " + std::string(typeName(dst.type)) + ", the caller passes " +
                             std::string(typeName(inputs[i]->type)));
        if (dst.constant) continue;
        dst.shape = inputs[i]->shape;
        if (Status s = allocate(dst); !s) return makeError(who + ": input " + std::to_string(i) + ": " + s.message());
        if (dst.bytes != inputs[i]->bytes)
            return makeError(who + ": input " + std::to_string(i) + " holds " + std::to_string(inputs[i]->bytes) + " bytes for shape " +
                             shapeText(inputs[i]->shape));
        if (dst.bytes && dst.data != inputs[i]->data) std::memmove(dst.data, inputs[i]->data, dst.bytes);
    }
    const Observer& use = observer ? observer : (m_observer ? *m_observer : observer);
    if (Status s = invokeSubgraph(index, use); !s) return s;
    for (size_t i = 0; i < outputs.size(); ++i) {
        const RtTensor& src = st.tensors[sg.outputs[i].index()];
        RtTensor& dst = *outputs[i];
        if (dst.type != src.type)
            return makeError(who + ": output " + std::to_string(i) + " is " + std::string(typeName(src.type)) + ", the caller expects " +
                             std::string(typeName(dst.type)));
        dst.shape = src.shape;
        if (Status s = allocate(dst); !s) return makeError(who + ": output " + std::to_string(i) + ": " + s.message());
        if (dst.bytes != src.bytes)
            return makeError(who + ": output " + std::to_string(i) + " does not fit the caller's tensor");
        if (src.bytes && dst.data != src.data) std::memmove(dst.data, src.data, src.bytes);
    }
    return {};
}

} // namespace ql::rt
