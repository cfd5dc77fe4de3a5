#pragma once
// The operator inspector: type, version, every builtin option by name, inputs and outputs
// (double-click a tensor row to inspect it), quantization kind and MACs.

#include "Snapshots.h"
#include "inspect/PropertyTreeModel.h"

namespace ql::ui {

class OperatorModel : public PropertyTreeModel {
    Q_OBJECT
public:
    using PropertyTreeModel::PropertyTreeModel;
    void resetData(std::shared_ptr<const OperatorSnapshot> snapshot);
    std::shared_ptr<const OperatorSnapshot> snapshot() const { return m_snapshot; }

private:
    std::shared_ptr<const OperatorSnapshot> m_snapshot;
};

// The requantization table of a quantized operator: one row per output channel (or input),
// M = s_in * s_w / s_out and its (multiplier, shift) from quantizeMultiplier.
class RequantModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { LabelColumn, InputScaleColumn, WeightScaleColumn, OutputScaleColumn, EffectiveColumn,
                   MultiplierColumn, ShiftColumn, ColumnCount };
    enum Roles { ValueRole = Qt::UserRole + 1 }; // the number as double / int

    using QAbstractTableModel::QAbstractTableModel;
    void resetData(std::shared_ptr<const OperatorSnapshot> snapshot);
    QString formula() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const OperatorSnapshot> m_snapshot;
};

} // namespace ql::ui
