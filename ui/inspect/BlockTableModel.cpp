#include "inspect/BlockTableModel.h"

#include "inspect/Format.h"

namespace ql::ui {

void BlockTableModel::resetData(std::shared_ptr<const TensorSnapshot> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    endResetModel();
}

int BlockTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_snapshot ? 0 : int(m_snapshot->blockTable.size());
}

int BlockTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BlockTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_snapshot || size_t(index.row()) >= m_snapshot->blockTable.size())
        return {};
    const BlockQuant& q = m_snapshot->blockTable[size_t(index.row())];
    QVariant v;
    switch (index.column()) {
    case RowColumn:
        v = q.row;
        break;
    case BlockColumn:
        v = q.block;
        break;
    case ScaleColumn:
        v = q.scale;
        break;
    case ZeroPointColumn:
        v = qlonglong(q.zeroPoint);
        break;
    case MinFloatColumn:
        v = q.minFloat;
        break;
    case MaxFloatColumn:
        v = q.maxFloat;
        break;
    case ObservedMinColumn:
        v = q.observedMin;
        break;
    case ObservedMaxColumn:
        v = q.observedMax;
        break;
    default:
        return {};
    }
    if (role == ValueRole) return v;
    if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    return v.typeId() == QMetaType::Double ? QVariant(formatNumber(v.toDouble())) : v;
}

QVariant BlockTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"row",       "block",     "scale",        "zero_point",
                                  "min float", "max float", "observed min", "observed max"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace ql::ui
