#pragma once
// The workshop's accuracy-per-mode table: one row per quantization mode of an
// analysis::AllModesResult snapshot. Its only mutator is resetData.

#include "workshop/WorkshopJobs.h"

#include <QAbstractTableModel>
#include <memory>

namespace ql::ui::workshop {

class ModeAccuracyModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { ModeColumn, Top1Column, DropColumn, SizeColumn, LatencyColumn, StatusColumn, ColumnCount };
    enum Roles { SortRole = Qt::UserRole + 1 }; // numbers for sorting (NaN for none)

    using QAbstractTableModel::QAbstractTableModel;
    void resetData(std::shared_ptr<const CompareOutcome> snapshot);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const CompareOutcome> m_data;
};

} // namespace ql::ui::workshop
