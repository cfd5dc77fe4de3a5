#pragma once
// The "try every leaf" table: one row per quantization mode (size, SQNR against the float
// model, top-1 accuracy on labelled data, latency on the interpreter beside the float model's),
// then the keep-float and auto rows. Its data mutator is resetData(snapshot); the student's
// leaf of the decision tree (setStudentLeaf) is marked in bold with an arrow.

#include "lab/LeafSweep.h"

#include <QAbstractTableModel>
#include <memory>
#include <optional>

namespace ql::ui {

class LeafTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Mode, Size, Smaller, Sqnr, Accuracy, Latency, Time, Note, ColumnCount };
    enum Roles { SortRole = Qt::UserRole + 1, StudentLeafRole };

    explicit LeafTableModel(QObject* parent = nullptr);
    void resetData(std::shared_ptr<const std::vector<lab::LeafRow>> rows);
    std::shared_ptr<const std::vector<lab::LeafRow>> rows() const { return m_rows; }
    // The leaf the wizard's answers point at: its mode, and whether it keeps sensitive ops float.
    void setStudentLeaf(quantize::Mode mode, bool keepFloat);
    int studentRow() const; // -1: none of the rows

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const std::vector<lab::LeafRow>> m_rows;
    std::optional<std::pair<quantize::Mode, bool>> m_student;
};

} // namespace ql::ui
