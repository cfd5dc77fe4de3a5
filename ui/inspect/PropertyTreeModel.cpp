#include "inspect/PropertyTreeModel.h"

#include <QFont>

namespace ql::ui {

int PropertyTreeModel::addSection(const QString& name) {
    const int id = addRow(-1, name, QString());
    m_rows[size_t(id)].section = true;
    return id;
}

int PropertyTreeModel::addRow(int parent, const QString& name, const QString& value, int tensor, const QString& tooltip) {
    const int id = int(m_rows.size());
    m_rows.push_back({name, value, tooltip, parent, {}, tensor, false});
    if (parent < 0) m_top.push_back(id);
    else m_rows[size_t(parent)].children.push_back(id);
    return id;
}

void PropertyTreeModel::clearRows() {
    m_rows.clear();
    m_top.clear();
}

QModelIndex PropertyTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (column < 0 || column >= ColumnCount || row < 0) return {};
    const int parentId = parent.isValid() ? int(parent.internalId()) : -1;
    if (parent.isValid() && parent.column() != 0) return {};
    const auto& kids = childrenOf(parentId);
    if (size_t(row) >= kids.size()) return {};
    return createIndex(row, column, quintptr(kids[size_t(row)]));
}

QModelIndex PropertyTreeModel::parent(const QModelIndex& child) const {
    if (!child.isValid()) return {};
    const int p = m_rows[size_t(child.internalId())].parent;
    if (p < 0) return {};
    const auto& siblings = childrenOf(m_rows[size_t(p)].parent);
    const int row = int(std::find(siblings.begin(), siblings.end(), p) - siblings.begin());
    return createIndex(row, 0, quintptr(p));
}

int PropertyTreeModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() && parent.column() != 0) return 0;
    return int(childrenOf(parent.isValid() ? int(parent.internalId()) : -1).size());
}

int PropertyTreeModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant PropertyTreeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const Row& r = m_rows[size_t(index.internalId())];
    switch (role) {
    case Qt::DisplayRole: return index.column() == NameColumn ? r.name : r.value;
    case Qt::ToolTipRole: return r.tooltip.isEmpty() ? (index.column() == ValueColumn ? r.value : r.name) : r.tooltip;
    case Qt::FontRole:
        if (r.section) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case TensorRole: return r.tensor;
    default: return {};
    }
}

QVariant PropertyTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    return section == NameColumn ? tr("Property") : tr("Value");
}

} // namespace ql::ui
