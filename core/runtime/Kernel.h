#pragma once
// The operator interface: options + prepare + eval. prepare validates types, shapes and
// quantization, computes output shapes and precomputes multipliers, shifts, clamps and
// padding once; eval only computes. Kernels are registered per operator (and version range)
// in the KernelRegistry; one operator family per file under kernels/.

#include "model/Model.h"
#include "quant/FixedPoint.h"
#include "quant/XnnpackArithmetic.h"
#include "runtime/RtTensor.h"
#include "runtime/Target.h"
#include "util/Result.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ql::rt {

class Interpreter;
class ThreadPool;

struct RunOptions {
    int threads = 1;
    Rounding rounding = Rounding::Double;
    // The runtime whose integer results are reproduced (runtime/Target.h). The default is what
    // the TFLite runtime computes on a CPU, XNNPACK delegate included.
    Target target = defaultTarget();
    // Kernels the XNNPACK delegate takes compute XNNPACK's arithmetic (quant/XnnpackArithmetic.h).
    bool xnnpack() const { return usesXnnpack(target); }
};

// What a kernel sees of its node. Built by the interpreter; valid during prepare and eval.
class KernelContext {
public:
    KernelContext(Interpreter& interp, const Model& model, size_t subgraph, OperatorIndex index,
                  std::vector<RtTensor*> inputs, std::vector<RtTensor*> outputs, const RunOptions& options);

    const Model& model() const { return m_model; }
    const Subgraph& subgraph() const { return m_model.subgraphs[m_subgraph]; }
    size_t subgraphIndex() const { return m_subgraph; }
    const Operator& op() const { return subgraph().operators[m_index.index()]; }
    OperatorIndex index() const { return m_index; }
    const RunOptions& options() const { return m_options; }
    Interpreter& interpreter() { return m_interp; }
    // The interpreter's thread pool (RunOptions::threads threads, counting the caller); never
    // null. Use pool()->parallelFor(n, fn) in eval; with 1 thread it runs fn inline.
    ThreadPool* pool() const;

    size_t inputCount() const { return m_inputs.size(); }
    size_t outputCount() const { return m_outputs.size(); }
    // Null for an omitted optional input (-1) or an index past the list.
    RtTensor* input(size_t i) const { return i < m_inputs.size() ? m_inputs[i] : nullptr; }
    RtTensor& output(size_t i) const { return *m_outputs[i]; }

    // prepare: declares an output's shape; the interpreter allocates it after prepare.
    void setOutputShape(size_t i, std::vector<int32_t> shape);
    // eval: for outputs whose shape depends on input data; (re)allocates the output now. Fails
    // (naming the operator and tensor) when the size is over the memory limits.
    [[nodiscard]] Status resizeOutputNow(size_t i, std::vector<int32_t> shape);

    // "operator 7 (CONV_2D): <what>" (with the subgraph when the model has several).
    Error error(const std::string& what) const;
    // Checks used by most prepare functions; they return an error naming the operator.
    Status requireInputs(size_t min, size_t max) const;
    Status requireOutputs(size_t count) const;
    // The builtin options of the expected type, or null.
    template <class T> const T* options() const {
        return op().options.type == tflite::BuiltinOptionsUnionTraits<T>::enum_value ? static_cast<const T*>(op().options.value) : nullptr;
    }

private:
    Interpreter& m_interp;
    const Model& m_model;
    size_t m_subgraph;
    OperatorIndex m_index;
    std::vector<RtTensor*> m_inputs;
    std::vector<RtTensor*> m_outputs;
    const RunOptions& m_options;
};

class OpKernel {
public:
    virtual ~OpKernel() = default;
    virtual Status prepare(KernelContext& ctx) = 0;
    virtual Status eval(KernelContext& ctx) = 0;
};

using KernelFactory = std::function<std::unique_ptr<OpKernel>(const Operator&)>;

class KernelRegistry {
public:
    // Versions minVersion..maxVersion of a builtin operator.
    void add(BuiltinOp op, int minVersion, int maxVersion, KernelFactory factory);
    void addCustom(std::string customCode, KernelFactory factory);
    // The kernel for an operator, or an error naming what is missing.
    Result<std::unique_ptr<OpKernel>> make(const Operator& op) const;
    bool supports(const Operator& op) const;

    // All of QuantLab's kernels.
    static const KernelRegistry& builtin();

private:
    struct Entry {
        BuiltinOp op;
        std::string customCode;
        int minVersion, maxVersion;
        KernelFactory factory;
    };
    std::vector<Entry> m_entries;
};

// Convenience for registration: a kernel class constructible from the operator.
template <class K> KernelFactory factoryOf() {
    return [](const Operator& op) -> std::unique_ptr<OpKernel> { return std::make_unique<K>(op); };
}

} // namespace ql::rt
