// Control flow: WHILE, IF, CALL_ONCE. Each runs other subgraphs of the model through
// Interpreter::runSubgraph; every subgraph has its own arena and is prepared once, when the
// calling operator is prepared (TFLite's while.cc / if.cc / call_once.cc do the same).
//
// WHILE: outputs start as copies of the inputs; while cond(outputs) is true, outputs =
//        body(outputs). Loop variables may change shape between iterations (the body's
//        operators are prepared again then, outputs reallocated).
// IF:    runs then_subgraph or else_subgraph on inputs[1..] into the outputs; input 0 is the
//        condition (bool or a number, true when non-zero; one element).
// CALL_ONCE: runs init_subgraph (no inputs, no outputs) on the first invoke only.
//
// Resource variables (runtime/Resources.h), as TFLite's var_handle.cc, assign_variable.cc and
// read_variable.cc:
// VAR_HANDLE:      writes the int32 id of (container, shared_name) into its resource output.
// ASSIGN_VARIABLE: the variable named by input 0 takes input 1's type, shape and bytes.
// READ_VARIABLE:   copies the variable into its output (shape set at eval); reading a variable
//                  never assigned is an error, as is an output of another type.
#include "runtime/Interpreter.h"
#include "runtime/Kernel.h"
#include "runtime/Resources.h"
#include "runtime/kernels/Registration.h"
#include "util/Limits.h"

#include <cstring>

namespace ql::rt {
namespace {

std::string typeText(TensorType t) { return std::string(typeName(t)); }

// Prepares subgraph `index` for operator `ctx` and checks its input and output counts.
Status prepareCallee(KernelContext& ctx, int32_t index, const char* role, size_t inputs, size_t outputs) {
    const Model& model = ctx.model();
    if (index < 0 || static_cast<size_t>(index) >= model.subgraphs.size())
        return ctx.error(std::string(role) + " subgraph " + std::to_string(index) + " does not exist (the model has " +
                         std::to_string(model.subgraphs.size()) + ")");
    if (static_cast<size_t>(index) == ctx.subgraphIndex())
        return ctx.error(std::string(role) + " subgraph " + std::to_string(index) + " is the subgraph that calls it");
    const Subgraph& sg = model.subgraphs[static_cast<size_t>(index)];
    if (sg.inputs.size() != inputs || sg.outputs.size() != outputs)
        return ctx.error(std::string(role) + " subgraph " + std::to_string(index) + " takes " + std::to_string(sg.inputs.size()) +
                         " inputs and gives " + std::to_string(sg.outputs.size()) + " outputs, expected " + std::to_string(inputs) +
                         " and " + std::to_string(outputs));
    if (Status s = ctx.interpreter().prepareSubgraph(static_cast<size_t>(index)); !s) return s;
    return {};
}

// The callee's input/output types must equal the caller's tensors.
Status requireTypes(KernelContext& ctx, int32_t index, const char* role, bool inputsOfCallee, size_t first,
                    const std::vector<RtTensor*>& callerTensors) {
    const Subgraph& sg = ctx.model().subgraphs[static_cast<size_t>(index)];
    const auto& list = inputsOfCallee ? sg.inputs : sg.outputs;
    for (size_t i = 0; i < callerTensors.size(); ++i) {
        const Tensor& t = sg.tensor(list[i]);
        if (t.type != callerTensors[i]->type)
            return ctx.error(std::string(role) + " subgraph " + std::to_string(index) + (inputsOfCallee ? " input " : " output ") +
                             std::to_string(i) + " '" + t.name + "' is " + typeText(t.type) + ", but the operator's " +
                             (inputsOfCallee ? "input " : "output ") + std::to_string(i + first) + " is " +
                             typeText(callerTensors[i]->type));
    }
    return {};
}

bool truthy(const RtTensor& t) {
    if (!t.data || t.elementCount() < 1) return false;
    switch (t.type) {
    case TensorType::BOOL:
    case TensorType::INT8:
    case TensorType::UINT8: return t.data[0] != 0;
    case TensorType::INT32: return t.as<int32_t>()[0] != 0;
    case TensorType::INT64: return t.as<int64_t>()[0] != 0;
    case TensorType::FLOAT32: return t.as<float>()[0] != 0.0f;
    default: return t.data[0] != 0;
    }
}

Status copyInto(Interpreter& interp, const RtTensor& src, RtTensor& dst) {
    dst.shape = src.shape;
    if (Status s = interp.allocate(dst); !s) return s;
    if (src.bytes && dst.data != src.data) std::memmove(dst.data, src.data, std::min(src.bytes, dst.bytes));
    return {};
}

class While : public OpKernel {
public:
    explicit While(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        const auto* o = ctx.options<tflite::WhileOptionsT>();
        if (!o) return ctx.error("has no WhileOptions");
        m_cond = o->cond_subgraph_index;
        m_body = o->body_subgraph_index;
        const size_t n = ctx.inputCount();
        if (Status s = ctx.requireOutputs(n); !s) return s;
        m_ins.clear();
        m_outs.clear();
        for (size_t i = 0; i < n; ++i) {
            if (!ctx.input(i)) return ctx.error("input " + std::to_string(i) + " is omitted");
            if (ctx.input(i)->type != ctx.output(i).type)
                return ctx.error("input " + std::to_string(i) + " is " + typeText(ctx.input(i)->type) + " but output " +
                                 std::to_string(i) + " is " + typeText(ctx.output(i).type));
            m_ins.push_back(ctx.input(i));
            m_outs.push_back(&ctx.output(i));
        }
        if (Status s = prepareCallee(ctx, m_cond, "cond", n, 1); !s) return s;
        if (Status s = prepareCallee(ctx, m_body, "body", n, n); !s) return s;
        if (Status s = requireTypes(ctx, m_cond, "cond", true, 0, m_ins); !s) return s;
        if (Status s = requireTypes(ctx, m_body, "body", true, 0, m_ins); !s) return s;
        if (Status s = requireTypes(ctx, m_body, "body", false, 0, m_outs); !s) return s;
        const Subgraph& cond = ctx.model().subgraphs[static_cast<size_t>(m_cond)];
        const Tensor& c = cond.tensor(cond.outputs[0]);
        if (c.type != TensorType::BOOL) return ctx.error("cond subgraph output '" + c.name + "' is " + typeText(c.type) + ", expected bool");
        // The loop variables keep the inputs' shapes unless the body changes them (then the
        // outputs are reallocated at eval).
        for (size_t i = 0; i < n; ++i) ctx.setOutputShape(i, ctx.input(i)->shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        Interpreter& interp = ctx.interpreter();
        for (size_t i = 0; i < m_ins.size(); ++i)
            if (Status s = copyInto(interp, *m_ins[i], *m_outs[i]); !s) return ctx.error(s.message());
        const Subgraph& cond = ctx.model().subgraphs[static_cast<size_t>(m_cond)];
        const uint64_t limit = maxWhileIterations(); // util/Limits.h: a constant-true condition ends here
        for (uint64_t iteration = 0;; ++iteration) {
            if (Status s = interp.runSubgraph(static_cast<size_t>(m_cond), m_outs, {}); !s) return ctx.error("cond: " + s.message());
            if (!truthy(interp.subgraphTensor(static_cast<size_t>(m_cond), cond.outputs[0]))) break;
            if (interruptRequested()) return ctx.error("interrupted");
            if (iteration == limit)
                return ctx.error("the loop ran " + std::to_string(limit) + " iterations and its condition is still true; "
                                 "stopped at the limit (--max-while-iterations)");
            if (Status s = interp.runSubgraph(static_cast<size_t>(m_body), m_outs, m_outs); !s) return ctx.error("body: " + s.message());
        }
        return {};
    }

private:
    int32_t m_cond = 0, m_body = 0;
    std::vector<RtTensor*> m_ins, m_outs;
};

class If : public OpKernel {
public:
    explicit If(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        const auto* o = ctx.options<tflite::IfOptionsT>();
        if (!o) return ctx.error("has no IfOptions");
        m_then = o->then_subgraph_index;
        m_else = o->else_subgraph_index;
        if (ctx.inputCount() < 1 || !ctx.input(0)) return ctx.error("needs the condition as input 0");
        if (ctx.input(0)->elementCount() != 1)
            return ctx.error("the condition must have one element, but has " + std::to_string(ctx.input(0)->elementCount()));
        m_ins.clear();
        m_outs.clear();
        for (size_t i = 1; i < ctx.inputCount(); ++i) {
            if (!ctx.input(i)) return ctx.error("input " + std::to_string(i) + " is omitted");
            m_ins.push_back(ctx.input(i));
        }
        for (size_t i = 0; i < ctx.outputCount(); ++i) m_outs.push_back(&ctx.output(i));
        for (auto [index, role] : {std::pair{m_then, "then"}, std::pair{m_else, "else"}}) {
            if (Status s = prepareCallee(ctx, index, role, m_ins.size(), m_outs.size()); !s) return s;
            if (Status s = requireTypes(ctx, index, role, true, 1, m_ins); !s) return s;
            if (Status s = requireTypes(ctx, index, role, false, 0, m_outs); !s) return s;
        }
        // Static output shapes when both branches agree; otherwise the branch that runs sets them.
        const Subgraph& a = ctx.model().subgraphs[static_cast<size_t>(m_then)];
        const Subgraph& b = ctx.model().subgraphs[static_cast<size_t>(m_else)];
        for (size_t i = 0; i < m_outs.size(); ++i) {
            const RtTensor& ta = ctx.interpreter().subgraphTensor(static_cast<size_t>(m_then), a.outputs[i]);
            const RtTensor& tb = ctx.interpreter().subgraphTensor(static_cast<size_t>(m_else), b.outputs[i]);
            if (ta.shape == tb.shape) ctx.setOutputShape(i, ta.shape);
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const int32_t branch = truthy(*ctx.input(0)) ? m_then : m_else;
        if (Status s = ctx.interpreter().runSubgraph(static_cast<size_t>(branch), m_ins, m_outs); !s)
            return ctx.error(std::string(branch == m_then ? "then" : "else") + ": " + s.message());
        return {};
    }

private:
    int32_t m_then = 0, m_else = 0;
    std::vector<RtTensor*> m_ins, m_outs;
};

class CallOnce : public OpKernel {
public:
    explicit CallOnce(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        const auto* o = ctx.options<tflite::CallOnceOptionsT>();
        if (!o) return ctx.error("has no CallOnceOptions");
        m_init = o->init_subgraph_index;
        if (ctx.inputCount() || ctx.outputCount()) return ctx.error("must have no inputs and no outputs");
        return prepareCallee(ctx, m_init, "init", 0, 0);
    }

    Status eval(KernelContext& ctx) override {
        if (m_done) return {};
        if (Status s = ctx.interpreter().runSubgraph(static_cast<size_t>(m_init), {}, {}); !s) return ctx.error("init: " + s.message());
        m_done = true;
        return {};
    }

private:
    int32_t m_init = 0;
    bool m_done = false;
};

// The variable a resource tensor names; `role` for messages.
Result<ResourceVariable*> resourceOf(KernelContext& ctx, const RtTensor* handle) {
    if (!handle || handle->type != TensorType::RESOURCE || handle->elementCount() < 1)
        return ctx.error("input 0 must be a resource tensor");
    const int32_t id = handle->as<int32_t>()[0];
    ResourceVariable* v = ctx.interpreter().resources().variable(id);
    if (!v) return ctx.error("resource id " + std::to_string(id) + " was not created by a VAR_HANDLE");
    return v;
}

class VarHandle : public OpKernel {
public:
    explicit VarHandle(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(0, 0); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& out = ctx.output(0);
        if (out.type != TensorType::RESOURCE) return ctx.error("output must be a resource tensor, not " + typeText(out.type));
        const auto* o = ctx.options<tflite::VarHandleOptionsT>();
        m_id = ctx.interpreter().resources().idFor(o ? o->container : std::string(), o ? o->shared_name : std::string());
        ctx.setOutputShape(0, {1});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        ctx.output(0).as<int32_t>()[0] = m_id;
        return {};
    }

private:
    int32_t m_id = 0;
};

class AssignVariable : public OpKernel {
public:
    explicit AssignVariable(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(0); !s) return s;
        if (ctx.input(0)->type != TensorType::RESOURCE) return ctx.error("input 0 must be a resource tensor");
        if (elementSize(ctx.input(1)->type) == 0) return ctx.error("a variable of type " + typeText(ctx.input(1)->type) + " is not supported");
        return {};
    }

    Status eval(KernelContext& ctx) override {
        auto v = resourceOf(ctx, ctx.input(0));
        if (!v) return v.error();
        const RtTensor& value = *ctx.input(1);
        ResourceVariable& var = **v;
        var.type = value.type;
        var.shape = value.shape;
        var.bytes.assign(value.data, value.data + value.bytes);
        var.assigned = true;
        return {};
    }
};

class ReadVariable : public OpKernel {
public:
    explicit ReadVariable(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        if (ctx.input(0)->type != TensorType::RESOURCE) return ctx.error("input 0 must be a resource tensor");
        if (elementSize(ctx.output(0).type) == 0) return ctx.error("a variable of type " + typeText(ctx.output(0).type) + " is not supported");
        return {};
    }

    Status eval(KernelContext& ctx) override {
        auto v = resourceOf(ctx, ctx.input(0));
        if (!v) return v.error();
        const ResourceVariable& var = **v;
        if (!var.assigned) return ctx.error("reads a variable that was never assigned");
        RtTensor& out = ctx.output(0);
        if (var.type != out.type) return ctx.error("the variable holds " + typeText(var.type) + ", but the output is " + typeText(out.type));
        if (Status s = ctx.resizeOutputNow(0, var.shape); !s) return s;
        if (out.bytes < var.bytes.size()) return ctx.error("output storage is smaller than the variable");
        if (!var.bytes.empty()) std::memcpy(out.data, var.bytes.data(), var.bytes.size());
        return {};
    }
};

} // namespace

void registerControlFlowKernels(KernelRegistry& r) {
    r.add(BuiltinOp::VAR_HANDLE, 1, 1, factoryOf<VarHandle>());
    r.add(BuiltinOp::ASSIGN_VARIABLE, 1, 1, factoryOf<AssignVariable>());
    r.add(BuiltinOp::READ_VARIABLE, 1, 1, factoryOf<ReadVariable>());
    r.add(BuiltinOp::WHILE, 1, 1, factoryOf<While>());
    r.add(BuiltinOp::IF, 1, 1, factoryOf<If>());
    r.add(BuiltinOp::CALL_ONCE, 1, 1, factoryOf<CallOnce>());
}

} // namespace ql::rt
