#pragma once
// The per-layer error table of the side-by-side view: one row per operator of the quantized
// model (core/analysis/Compare.h), with the error it adds on its own (per-layer view: fed the
// quantized float inputs) and the error so far (accumulated view). Sort by any column; the
// only mutator is resetData(snapshot).

#include "analysis/Compare.h"

#include <QAbstractTableModel>
#include <memory>

namespace ql::ui {

class LayerErrorModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Index, Op, Name, PerLayerSqnr, AccumulatedSqnr, RmseOverScale, MaxAbs, ClipRate, Note, ColumnCount };
    enum Roles { SortRole = Qt::UserRole + 1, LayerRole }; // LayerRole: index into result->layers

    explicit LayerErrorModel(QObject* parent = nullptr);
    void resetData(std::shared_ptr<const analysis::CompareResult> result);
    std::shared_ptr<const analysis::CompareResult> result() const { return m_result; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const analysis::CompareResult> m_result;
    std::vector<int> m_rows; // layers shown (conversions the quantizer inserted are left out)
};

} // namespace ql::ui
