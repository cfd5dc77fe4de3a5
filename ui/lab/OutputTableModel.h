#pragma once
// Outputs of the float and the quantized model side by side, one row per output element:
// output, index, class label (classifiers with labels), float value, quantized value
// (dequantized), difference. Its only mutator is resetData(snapshot, labels).

#include "lab/SideBySide.h"

#include <QAbstractTableModel>
#include <memory>

namespace ql::ui {

class OutputTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Output, Index, Label, Float, Quantized, Difference, ColumnCount };
    enum Roles { SortRole = Qt::UserRole + 1 };
    static constexpr size_t kMaxRowsPerOutput = 20000;

    explicit OutputTableModel(QObject* parent = nullptr);
    // Labels per output (index = output; an empty list or a missing entry: no labels).
    using Labels = std::vector<std::vector<std::string>>;
    void resetData(std::shared_ptr<const lab::SideBySideResult> result, std::shared_ptr<const Labels> labels = nullptr);
    // The label of element `element` of output `output`, empty when there is none.
    QString labelOf(size_t output, size_t element) const;
    std::shared_ptr<const lab::SideBySideResult> result() const { return m_result; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const lab::SideBySideResult> m_result;
    std::shared_ptr<const Labels> m_labels;
    std::vector<std::pair<int, int>> m_rows; // (output, element)
};

} // namespace ql::ui
