#pragma once
// The "try every leaf" table: one row per quantization mode (size, SQNR against the float
// model, top-1 accuracy on labelled data, latency on the interpreter). Its only mutator is
// resetData(snapshot).

#include "lab/LeafSweep.h"

#include <QAbstractTableModel>
#include <memory>

namespace ql::ui {

class LeafTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Mode, Size, Smaller, Sqnr, Accuracy, Latency, Time, Note, ColumnCount };
    enum Roles { SortRole = Qt::UserRole + 1 };

    explicit LeafTableModel(QObject* parent = nullptr);
    void resetData(std::shared_ptr<const std::vector<lab::LeafRow>> rows);
    std::shared_ptr<const std::vector<lab::LeafRow>> rows() const { return m_rows; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const std::vector<lab::LeafRow>> m_rows;
};

} // namespace ql::ui
