#include "lab/ModelWarnings.h"

namespace ql::lab {

std::vector<Diagnostic> customOperatorWarnings(const Model& model) {
    std::vector<Diagnostic> out;
    for (size_t s = 0; s < model.subgraphs.size(); ++s) {
        const Subgraph& sg = model.subgraphs[s];
        for (size_t i = 0; i < sg.operators.size(); ++i) {
            const Operator& op = sg.operators[i];
            if (op.op != BuiltinOp::CUSTOM) continue;
            out.push_back(
                {Severity::Warning,
                 "subgraph " + std::to_string(s) + ", operator " + std::to_string(i) +
                     " (custom '" + op.typeName() +
                     "'): no kernel in QuantLab (TFLite needs it registered by the application); "
                     "the model cannot run, be calibrated or be measured here"});
        }
    }
    return out;
}

} // namespace ql::lab
