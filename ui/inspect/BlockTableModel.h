#pragma once
// The tensor inspector's table of a blockwise tensor: one row per block with its scale, zero
// point, the float range it can hold and the range of its dequantized values.

#include "Snapshots.h"

#include <QAbstractTableModel>

namespace ql::ui {

class BlockTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns {
        RowColumn,
        BlockColumn,
        ScaleColumn,
        ZeroPointColumn,
        MinFloatColumn,
        MaxFloatColumn,
        ObservedMinColumn,
        ObservedMaxColumn,
        ColumnCount
    };
    enum Roles { ValueRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;
    void resetData(std::shared_ptr<const TensorSnapshot> snapshot);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const TensorSnapshot> m_snapshot;
};

} // namespace ql::ui
