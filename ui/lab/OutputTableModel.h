#pragma once
// Outputs of the float and the quantized model side by side, one row per output element:
// output, index, float value, quantized value (dequantized), difference. Its only mutator is
// resetData(snapshot).

#include "lab/SideBySide.h"

#include <QAbstractTableModel>
#include <memory>

namespace ql::ui {

class OutputTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Output, Index, Float, Quantized, Difference, ColumnCount };
    enum Roles { SortRole = Qt::UserRole + 1 };
    static constexpr size_t kMaxRowsPerOutput = 20000;

    explicit OutputTableModel(QObject* parent = nullptr);
    void resetData(std::shared_ptr<const lab::SideBySideResult> result);
    std::shared_ptr<const lab::SideBySideResult> result() const { return m_result; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const lab::SideBySideResult> m_result;
    std::vector<std::pair<int, int>> m_rows; // (output, element)
};

} // namespace ql::ui
