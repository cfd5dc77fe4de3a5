#include "inspect/ModelInfoModel.h"

#include "inspect/Format.h"

namespace ql::ui {

void ModelInfoModel::resetData(std::shared_ptr<const LoadedModel> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    clearRows();
    if (m_snapshot && m_snapshot->model) {
        const Model& m = *m_snapshot->model;
        const ModelStats& s = m_snapshot->stats;
        const int file = addSection(tr("Model"));
        addRow(file, tr("file"), QString::fromStdString(m_snapshot->path));
        addRow(file, tr("size"), formatBytes(m.sourceBytes));
        addRow(file, tr("schema version"), QString::number(m.version));
        if (!m.description.empty()) addRow(file, tr("description"), QString::fromStdString(m.description));
        addRow(file, tr("operators"), formatCount(s.operatorCount));
        addRow(file, tr("tensors"), formatCount(s.tensorCount));
        addRow(file, tr("parameters"), tr("%1 (%2)").arg(formatCount(s.parameterCount), formatBytes(s.parameterBytes)));
        addRow(file, tr("MACs"), formatCount(s.macs));
        for (size_t i = 0; i < m.subgraphs.size(); ++i) {
            const Subgraph& sg = m.subgraphs[i];
            const int sec = addSection(tr("Subgraph %1%2").arg(i).arg(sg.name.empty() ? QString() : QStringLiteral(" '%1'").arg(QString::fromStdString(sg.name))));
            for (TensorIndex t : sg.inputs)
                if (t.valid()) addRow(sec, tr("input"), describeTensorShort(sg.tensor(t)), -1);
            for (TensorIndex t : sg.outputs)
                if (t.valid()) addRow(sec, tr("output"), describeTensorShort(sg.tensor(t)), -1);
            addRow(sec, tr("operators"), QString::number(sg.operators.size()));
        }
        if (!m.signatures.empty()) {
            const int sec = addSection(tr("Signatures"));
            for (const auto& sig : m.signatures)
                addRow(sec, QString::fromStdString(sig.key),
                       tr("subgraph %1, %2 inputs, %3 outputs").arg(sig.subgraph.value).arg(sig.inputs.size()).arg(sig.outputs.size()));
        }
        if (!m.metadata.empty()) {
            const int sec = addSection(tr("Metadata"));
            for (const auto& md : m.metadata)
                addRow(sec, QString::fromStdString(md.name), formatBytes(md.buffer.valid() && md.buffer.index() < m.buffers.size() ? m.buffer(md.buffer).size : 0));
        }
        const int ops = addSection(tr("Operators by type"));
        for (const auto& [name, count] : s.operatorsByType) addRow(ops, QString::fromStdString(name), QString::number(count));
        const int consts = addSection(tr("Constants by dtype"));
        for (const auto& [name, d] : s.constantsByType)
            addRow(consts, QString::fromStdString(name), tr("%1 elements, %2").arg(formatCount(d.elements), formatBytes(d.bytes)));
    }
    endResetModel();
}

} // namespace ql::ui
