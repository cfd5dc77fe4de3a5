#include "runtime/Kernel.h"

#include "runtime/kernels/Registration.h"

namespace ql::rt {

void KernelRegistry::add(BuiltinOp op, int minVersion, int maxVersion, KernelFactory factory) {
    m_entries.push_back({op, {}, minVersion, maxVersion, std::move(factory)});
}

void KernelRegistry::addCustom(std::string customCode, KernelFactory factory) {
    m_entries.push_back({BuiltinOp::CUSTOM, std::move(customCode), 1, 1 << 30, std::move(factory)});
}

bool KernelRegistry::supports(const Operator& op) const {
    for (const Entry& e : m_entries) {
        if (e.op != op.op) continue;
        if (op.op == BuiltinOp::CUSTOM ? e.customCode == op.customCode : (op.version >= e.minVersion && op.version <= e.maxVersion))
            return true;
    }
    return false;
}

Result<std::unique_ptr<OpKernel>> KernelRegistry::make(const Operator& op) const {
    int maxKnown = 0;
    for (const Entry& e : m_entries) {
        if (e.op != op.op) continue;
        if (op.op == BuiltinOp::CUSTOM) {
            if (e.customCode == op.customCode) return e.factory(op);
            continue;
        }
        if (op.version >= e.minVersion && op.version <= e.maxVersion) return e.factory(op);
        maxKnown = std::max(maxKnown, e.maxVersion);
    }
    if (op.op == BuiltinOp::CUSTOM) return makeError("custom operator '" + op.customCode + "' is not supported");
    if (maxKnown > 0)
        return makeError(std::string(opName(op.op)) + " version " + std::to_string(op.version) +
                         " is not supported (QuantLab runs versions up to " + std::to_string(maxKnown) + ")");
    return makeError(std::string(opName(op.op)) + " is not supported by QuantLab's interpreter");
}

const KernelRegistry& KernelRegistry::builtin() {
    static const KernelRegistry registry = [] {
        KernelRegistry r;
        registerElementwiseKernels(r);
        registerActivationKernels(r);
        registerQuantizeKernels(r);
        registerConvKernels(r);
        registerMatmulKernels(r);
        registerSequenceKernels(r);
        registerPoolReduceKernels(r);
        registerShapeKernels(r);
        registerControlFlowKernels(r);
        registerSignalKernels(r);
        registerCustomKernels(r);
        return r;
    }();
    return registry;
}

} // namespace ql::rt
