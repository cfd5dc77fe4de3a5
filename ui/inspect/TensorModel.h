#pragma once
// The tensor inspector's models: properties and statistics (tree), the per-channel
// quantization table, and the values as a 2-D table (raw or dequantized).

#include "Snapshots.h"
#include "inspect/PropertyTreeModel.h"

#include <QAbstractTableModel>

namespace ql::ui {

class TensorModel : public PropertyTreeModel {
    Q_OBJECT
public:
    using PropertyTreeModel::PropertyTreeModel;
    void resetData(std::shared_ptr<const TensorSnapshot> snapshot);

private:
    std::shared_ptr<const TensorSnapshot> m_snapshot;
};

// scale, zero_point and the float range each channel can represent, with the observed range.
class QuantTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { ChannelColumn, ScaleColumn, ZeroPointColumn, MinFloatColumn, MaxFloatColumn, ObservedMinColumn,
                   ObservedMaxColumn, ColumnCount };
    enum Roles { ValueRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;
    void resetData(std::shared_ptr<const TensorSnapshot> snapshot);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const TensorSnapshot> m_snapshot;
};

// Values laid out as rows = product of the leading dimensions, columns = the last dimension.
class TensorValuesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Mode { Raw, Dequantized };
    enum Roles { ValueRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;
    void resetData(std::shared_ptr<const TensorSnapshot> snapshot, Mode mode);
    Mode mode() const { return m_mode; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const TensorSnapshot> m_snapshot;
    Mode m_mode = Mode::Dequantized;
    int m_rows = 0, m_cols = 0;
};

} // namespace ql::ui
