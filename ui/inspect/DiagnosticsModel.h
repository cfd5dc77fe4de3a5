#pragma once
// The problems panel: the reader's diagnostics of the open model, and load errors.

#include "model/Model.h"

#include <QAbstractTableModel>
#include <memory>
#include <vector>

namespace ql::ui {

class DiagnosticsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { SeverityColumn, MessageColumn, ColumnCount };
    enum Roles { SeverityRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;
    void resetData(std::shared_ptr<const std::vector<Diagnostic>> diagnostics);
    int count(Severity s) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const std::vector<Diagnostic>> m_items;
};

} // namespace ql::ui
