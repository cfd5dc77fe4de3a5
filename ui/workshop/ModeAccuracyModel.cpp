#include "workshop/ModeAccuracyModel.h"

#include <cmath>

namespace ql::ui::workshop {

void ModeAccuracyModel::resetData(std::shared_ptr<const CompareOutcome> snapshot) {
    beginResetModel();
    m_data = std::move(snapshot);
    endResetModel();
}

int ModeAccuracyModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_data ? 0 : int(m_data->modes.rows.size());
}

int ModeAccuracyModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ModeAccuracyModel::data(const QModelIndex& index, int role) const {
    if (!m_data || !index.isValid() || index.row() >= rowCount()) return {};
    const analysis::ModeRow& r = m_data->modes.rows[size_t(index.row())];
    const double nan = std::nan("");
    double value = nan;
    switch (index.column()) {
    case Top1Column: value = r.ok ? r.eval.top1 : nan; break;
    case DropColumn: value = r.ok ? r.eval.top1 - r.eval.referenceTop1 : nan; break;
    case SizeColumn: value = r.ok ? double(r.eval.fileBytes) / 1024.0 : nan; break;
    case LatencyColumn: value = r.ok ? r.eval.latencyMedianMs : nan; break;
    default: break;
    }
    if (role == SortRole) return index.column() == ModeColumn ? QVariant(index.row()) : QVariant(value);
    if (role == Qt::TextAlignmentRole && index.column() != ModeColumn && index.column() != StatusColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == StatusColumn && !r.ok) return QString::fromStdString(r.error);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case ModeColumn: return QString::fromLatin1(quantize::modeName(r.mode).data(), qsizetype(quantize::modeName(r.mode).size()));
    case Top1Column: return std::isnan(value) ? QStringLiteral("-") : QString::fromStdString(analysis::formatPercent(value));
    case DropColumn:
        return std::isnan(value) ? QStringLiteral("-") : QStringLiteral("%1%2 pp").arg(value >= 0 ? "+" : "").arg(100.0 * value, 0, 'f', 2);
    case SizeColumn: return std::isnan(value) ? QStringLiteral("-") : QStringLiteral("%1 KB").arg(value, 0, 'f', 1);
    case LatencyColumn: return std::isnan(value) ? QStringLiteral("-") : QStringLiteral("%1 ms").arg(value, 0, 'f', 3);
    case StatusColumn: return r.ok ? tr("ok") : QString::fromStdString(r.error);
    default: return {};
    }
}

QVariant ModeAccuracyModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case ModeColumn: return tr("Mode");
    case Top1Column: return tr("Top-1");
    case DropColumn: return tr("vs float");
    case SizeColumn: return tr("Size");
    case LatencyColumn: return tr("Latency");
    case StatusColumn: return tr("Status");
    default: return {};
    }
}

} // namespace ql::ui::workshop
