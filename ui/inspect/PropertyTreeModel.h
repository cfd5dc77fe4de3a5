#pragma once
// A read-only two-column tree (name, value) of rows built from a snapshot. The base of the
// operator and tensor inspectors; subclasses fill the rows in their resetData(snapshot).

#include <QAbstractItemModel>
#include <vector>

namespace ql::ui {

class PropertyTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Columns { NameColumn, ValueColumn, ColumnCount };
    enum Roles { TensorRole = Qt::UserRole + 1 }; // tensor index of a row, -1 if none

    using QAbstractItemModel::QAbstractItemModel;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    struct Row {
        QString name, value, tooltip;
        int parent = -1;
        std::vector<int> children;
        int tensor = -1;
        bool section = false;
    };
    // Used only inside a subclass's resetData, between beginResetModel and endResetModel.
    int addSection(const QString& name);
    int addRow(int parent, const QString& name, const QString& value, int tensor = -1, const QString& tooltip = {});
    void clearRows();

private:
    std::vector<Row> m_rows; // row ids; internalId of an index = row id
    std::vector<int> m_top;
    const std::vector<int>& childrenOf(int id) const { return id < 0 ? m_top : m_rows[size_t(id)].children; }
};

} // namespace ql::ui
