#pragma once
// Runs a model: prepares every operator once (kernels validate and precompute), then invokes
// them in order. Tensors of subgraph 0 are reachable between runs; an observer sees every
// operator's outputs as soon as they are computed (calibration and per-layer analysis plug
// in there). Variable tensors keep their state between runs.

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

struct InterpreterOptions {
    RunOptions run;
};

class Interpreter {
public:
    static Result<std::unique_ptr<Interpreter>> create(std::shared_ptr<const Model> model, InterpreterOptions options = {});
    ~Interpreter();
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    const Model& model() const { return *m_model; }
    std::shared_ptr<const Model> modelPtr() const { return m_model; }

    size_t inputCount() const;
    size_t outputCount() const;
    RtTensor& input(size_t i);
    const RtTensor& output(size_t i) const;
    // Copies `bytes` into input i after checking dtype and size; the message names the tensor.
    Status setInput(size_t i, TensorType type, std::span<const uint8_t> bytes);
    // Every tensor of subgraph 0 (valid after invoke for activations).
    RtTensor& tensor(TensorIndex t);
    const RtTensor& tensor(TensorIndex t) const;

    Status invoke(const Observer& observer = {});
    // Resets variable tensors to their initial values.
    void resetVariables();

    // Bytes held for activations (arena) and in total.
    size_t arenaBytes() const;

    // For control-flow kernels: runs subgraph `index` on the given inputs and copies its
    // outputs into `outputs` (resized as needed).
    Status runSubgraph(size_t index, std::span<RtTensor* const> inputs, std::span<RtTensor* const> outputs,
                       const Observer& observer = {});

    // The pool that kernels use (options.run.threads threads); never null.
    ThreadPool* pool() const { return m_pool.get(); }

    // Internal: storage management used by KernelContext.
    void allocate(RtTensor& t);

    struct SubgraphState;

private:
    Interpreter(std::shared_ptr<const Model> model, InterpreterOptions options);
    Status prepareSubgraph(size_t index);
    Status invokeSubgraph(size_t index, const Observer& observer);

    std::shared_ptr<const Model> m_model;
    InterpreterOptions m_options;
    std::vector<std::unique_ptr<SubgraphState>> m_subgraphs;
    std::unique_ptr<ThreadPool> m_pool;
};

} // namespace ql::rt
