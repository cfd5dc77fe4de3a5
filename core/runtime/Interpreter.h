#pragma once
// Runs a model: prepares every operator once (kernels validate and precompute, output shapes
// become known), plans one arena per subgraph in which tensors with disjoint lifetimes share
// bytes, then invokes the operators in order.
//
// Memory: constants point into the model's buffers; graph inputs, graph outputs and (with
// InterpreterOptions::keepAllTensors) every other tensor live for the whole run, so they are
// readable after invoke; other activations are reused as soon as their last reader ran.
// Variable tensors have their own storage and keep their state between runs. Outputs whose
// shape depends on data (KernelContext::resizeOutputNow) or grows past their planned slot are
// allocated outside the arena. When an operator's input shapes change at run time (a dynamic
// upstream output, a subgraph called with other shapes), the operator is prepared again before
// it runs, as TFLite does on ResizeInputTensor.
//
// An observer sees every operator's outputs as soon as they are computed (calibration and
// per-layer analysis plug in there), including operators of subgraphs called by control flow.
//
// Constant folding (InterpreterOptions::foldConstants, on by default): an operator whose
// inputs are all constant (model data or outputs of other folded operators; no variable, no
// subgraph input or output among its tensors) and that is deterministic (every builtin but
// control flow, resource and random operators; no custom operator) is evaluated once at
// prepare (TFLite's dequantize.cc does the same for a constant input: persistent output,
// computed on the first Eval only). Its outputs are persistent tensors outside the arena
// (MemoryStats::foldedBytes, not arenaBytes). Invoke skips its eval but still calls the
// input hook and the observer for it, so observers see the same values as without folding. A folded tensor handed to the input hook may have been overwritten: its
// operator is evaluated again at that operator's place in the next invoke (and an operator
// folded on top of it is evaluated again in the same invoke), so results stay identical to
// the unfolded run. Observers and callers must not write tensors (they are read-only views).

#include "model/Model.h"
#include "runtime/Kernel.h"
#include "runtime/RtTensor.h"
#include "runtime/ThreadPool.h"
#include "util/Result.h"

#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace ql::rt {

struct NodeEvent {
    size_t subgraph = 0;
    OperatorIndex op;
    std::span<RtTensor* const> outputs;
};
using Observer = std::function<void(const NodeEvent&)>;

// Seen just before an operator's eval, with its input tensors (null for omitted optional
// inputs). The hook may overwrite the bytes of non-constant inputs (same type and shape,
// never `constant` tensors, which point into the model): per-layer analysis feeds each
// operator the quantized version of the float model's input to it this way.
struct InputEvent {
    size_t subgraph = 0;
    OperatorIndex op;
    std::span<RtTensor* const> inputs;
};
using InputHook = std::function<void(const InputEvent&)>;

struct InterpreterOptions {
    RunOptions run;
    // Keep every tensor alive (no arena reuse) so that all of them are readable after invoke
    // (`run --all-tensors`, per-layer analysis that reads tensors after the run).
    bool keepAllTensors = false;
    // Evaluate operators with only constant inputs once at prepare (see the file comment).
    // Off gives the plain run, e.g. to check that folding changes no byte.
    bool foldConstants = true;
};

struct MemoryStats {
    size_t arenaBytes = 0;    // planned activation arena, all prepared subgraphs
    size_t naiveBytes = 0;    // the same tensors without any sharing
    size_t variableBytes = 0; // state of variable tensors
    size_t dynamicBytes = 0;  // outputs allocated at run time outside the arena
    size_t constantBytes = 0; // the model's constant data read by the subgraphs (not copied)
    size_t foldedBytes = 0;   // outputs of operators folded at prepare, outside the arena
    size_t foldedOperators = 0;
};

class ResourceTable;

class Interpreter {
public:
    static Result<std::unique_ptr<Interpreter>> create(std::shared_ptr<const Model> model, InterpreterOptions options = {});
    ~Interpreter();
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    const Model& model() const { return *m_model; }
    std::shared_ptr<const Model> modelPtr() const { return m_model; }
    const InterpreterOptions& options() const { return m_options; }

    size_t inputCount() const;
    size_t outputCount() const;
    RtTensor& input(size_t i);
    const RtTensor& output(size_t i) const;
    // Copies `bytes` into input i after checking dtype and size; the message names the tensor.
    Status setInput(size_t i, TensorType type, std::span<const uint8_t> bytes);
    // The same, and the shape must equal the input's shape.
    Status setInput(size_t i, TensorType type, std::span<const int64_t> shape, std::span<const uint8_t> bytes);
    // Every tensor of subgraph 0. Inputs, outputs, constants and variables are always readable;
    // other activations after invoke only with keepAllTensors (else isLive() tells).
    RtTensor& tensor(TensorIndex t);
    const RtTensor& tensor(TensorIndex t) const;
    size_t tensorCount() const;
    // True if the tensor's bytes still hold its value after invoke (not reused by the arena).
    bool isLive(TensorIndex t) const;
    // True if operator `op` of subgraph 0 was evaluated at prepare (constant folding).
    bool isFolded(OperatorIndex op) const;
    // True during invoke(observer, beforeEval) with a hook, which may overwrite folded tensors.
    bool inputHookActive() const { return m_inputHook != nullptr; }

    Status invoke(const Observer& observer = {});
    // The same, calling `beforeEval` before each operator's eval (also in called subgraphs).
    Status invoke(const Observer& observer, const InputHook& beforeEval);
    // Resets variable tensors to their initial values.
    void resetVariables();

    // Bytes of the planned activation arena(s); see memoryStats() for the other figures.
    size_t arenaBytes() const;
    MemoryStats memoryStats() const;

    // For control-flow kernels. prepareSubgraph prepares subgraph `index` (once) with its own
    // arena; subgraphInfo gives its tensors after that. runSubgraph copies `inputs` (data and
    // shape) into the subgraph's inputs, runs it, and copies its outputs into `outputs`
    // (reallocated as needed; pass no outputs to read them with subgraphTensor instead). The
    // current observer is passed on.
    Status prepareSubgraph(size_t index);
    const RtTensor& subgraphTensor(size_t index, TensorIndex t) const;
    Status runSubgraph(size_t index, std::span<RtTensor* const> inputs, std::span<RtTensor* const> outputs,
                       const Observer& observer = {});

    // Resource variables of this interpreter (runtime/Resources.h), for the variable kernels.
    ResourceTable& resources() { return *m_resources; }

    // The pool that kernels use (options.run.threads threads); never null.
    ThreadPool* pool() const { return m_pool.get(); }

    // Internal, used by KernelContext::resizeOutputNow: makes the tensor's storage fit its
    // current shape (in place when its slot is large enough, else outside the arena); refuses
    // a size over the one-tensor limit or one that would take the interpreter past the memory
    // limit, naming the tensor and the size.
    [[nodiscard]] Status allocate(RtTensor& t);

    struct SubgraphState;

private:
    Interpreter(std::shared_ptr<const Model> model, InterpreterOptions options);
    Status prepareOperator(size_t index, size_t op);
    bool foldable(size_t index, size_t op) const;
    bool foldOperator(size_t index, size_t op);
    Status planSubgraph(size_t index);
    Status invokeSubgraph(size_t index, const Observer& observer);
    SubgraphState* stateOf(const RtTensor& t, size_t* tensorIndex);

    std::shared_ptr<const Model> m_model;
    InterpreterOptions m_options;
    std::vector<std::unique_ptr<SubgraphState>> m_subgraphs;
    std::unique_ptr<ThreadPool> m_pool;
    std::unique_ptr<ResourceTable> m_resources;
    const Observer* m_observer = nullptr; // during invoke
    const InputHook* m_inputHook = nullptr; // during invoke(observer, beforeEval)
};

} // namespace ql::rt
