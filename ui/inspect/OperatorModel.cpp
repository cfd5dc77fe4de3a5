#include "inspect/OperatorModel.h"

#include "inspect/Format.h"

namespace ql::ui {

void OperatorModel::resetData(std::shared_ptr<const OperatorSnapshot> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    clearRows();
    if (m_snapshot) {
        const Subgraph& sg = m_snapshot->model->subgraphs[m_snapshot->subgraph.index()];
        const Operator& op = sg.op(m_snapshot->op);
        const int general = addSection(tr("Operator"));
        addRow(general, tr("type"), QString::fromStdString(op.typeName()));
        addRow(general, tr("index"), QString::number(m_snapshot->op.value));
        addRow(general, tr("version"), QString::number(op.version));
        if (op.op == BuiltinOp::CUSTOM) addRow(general, tr("custom code"), QString::fromStdString(op.customCode));
        addRow(general, tr("quantization"), QString::fromLatin1(quantKindName(m_snapshot->kind).data()));
        if (m_snapshot->macs) addRow(general, tr("MACs"), formatCount(m_snapshot->macs));
        if (!op.customOptions.empty()) addRow(general, tr("custom options"), tr("%n byte(s)", nullptr, int(op.customOptions.size())));
        const int options = addSection(m_snapshot->optionsType.empty() ? tr("Options (none)")
                                                                       : tr("Options: %1").arg(QString::fromStdString(m_snapshot->optionsType)));
        for (const auto& f : m_snapshot->options) addRow(options, QString::fromStdString(f.name), QString::fromStdString(f.text));
        auto tensors = [&](const QString& title, const std::vector<TensorIndex>& list) {
            const int section = addSection(title);
            for (size_t i = 0; i < list.size(); ++i) {
                const TensorIndex t = list[i];
                if (!t.valid()) {
                    addRow(section, QString::number(i), tr("(omitted)"));
                    continue;
                }
                const Tensor& tensor = sg.tensor(t);
                QString value = describeTensorShort(tensor);
                if (m_snapshot->model->isConstant(tensor)) value += tr("  const");
                if (tensor.quant.isQuantized())
                    value += tensor.quant.isPerChannel() ? tr("  per-channel (%1)").arg(tensor.quant.scale.size())
                                                         : tr("  s=%1 z=%2").arg(formatNumber(tensor.quant.scale[0]))
                                                               .arg(tensor.quant.zeroPoint.empty() ? 0 : tensor.quant.zeroPoint[0]);
                addRow(section, QString::number(i), value, t.value, tr("Double-click to inspect tensor %1").arg(t.value));
            }
        };
        tensors(tr("Inputs"), op.inputs);
        tensors(tr("Outputs"), op.outputs);
        if (!op.intermediates.empty()) tensors(tr("Intermediates"), op.intermediates);
    }
    endResetModel();
}

void RequantModel::resetData(std::shared_ptr<const OperatorSnapshot> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    endResetModel();
}

QString RequantModel::formula() const {
    return m_snapshot ? QString::fromStdString(m_snapshot->requant.formula) : QString();
}

int RequantModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_snapshot ? 0 : int(m_snapshot->requant.rows.size());
}

int RequantModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RequantModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_snapshot) return {};
    const RequantRow& r = m_snapshot->requant.rows[size_t(index.row())];
    QVariant v;
    switch (index.column()) {
    case LabelColumn: v = QString::fromStdString(r.label); break;
    case InputScaleColumn: v = r.inputScale; break;
    case WeightScaleColumn: v = r.weightScale; break;
    case OutputScaleColumn: v = r.outputScale; break;
    case EffectiveColumn: v = r.effectiveScale; break;
    case MultiplierColumn: v = r.multiplier.multiplier; break;
    case ShiftColumn: v = r.multiplier.shift; break;
    default: return {};
    }
    if (role == ValueRole) return v;
    if (role == Qt::TextAlignmentRole && index.column() != LabelColumn) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    if (v.typeId() == QMetaType::Double) return formatNumber(v.toDouble());
    return v;
}

QVariant RequantModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"", "s_in", "s_w", "s_out", "M = s_in·s_w/s_out", "multiplier", "shift"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace ql::ui
