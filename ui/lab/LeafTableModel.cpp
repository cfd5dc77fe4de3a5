#include "lab/LeafTableModel.h"

#include <QFont>

#include <cmath>

namespace ql::ui {

LeafTableModel::LeafTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LeafTableModel::resetData(std::shared_ptr<const std::vector<lab::LeafRow>> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

void LeafTableModel::setStudentLeaf(quantize::Mode mode, bool keepFloat) {
    m_student = std::make_pair(mode, keepFloat);
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int LeafTableModel::studentRow() const {
    if (!m_rows || !m_student) return -1;
    for (size_t i = 0; i < m_rows->size(); ++i) {
        const lab::LeafRow& r = (*m_rows)[i];
        const bool keep = r.kind != lab::LeafKind::Mode;
        // the keep-float leaf is the keep-float row (the auto row is the app's own suggestion)
        if (r.mode == m_student->first && keep == m_student->second && r.kind != lab::LeafKind::Auto) return int(i);
    }
    return -1;
}

int LeafTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_rows ? 0 : int(m_rows->size());
}

int LeafTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LeafTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_rows || index.row() >= int(m_rows->size())) return {};
    const lab::LeafRow& r = (*m_rows)[size_t(index.row())];
    if (role == Qt::TextAlignmentRole)
        return index.column() == Mode || index.column() == Note ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    const bool student = index.row() == studentRow();
    if (role == StudentLeafRole) return student;
    if (role == Qt::FontRole && student) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::ToolTipRole && index.column() == Note) return QString::fromStdString(r.error);
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const bool sort = role == SortRole;
    switch (index.column()) {
    case Mode: {
        const QString name = QString::fromStdString(lab::leafRowName(r));
        return sort ? QVariant(index.row()) : QVariant(student ? QStringLiteral("▶ ") + name + tr("  (your leaf)") : name);
    }
    case Size:
        if (!r.bytes) return sort ? QVariant(0.0) : QVariant(QStringLiteral("-"));
        return sort ? QVariant(double(r.bytes)) : QVariant(QString::number(double(r.bytes) / 1024.0, 'f', 1) + QStringLiteral(" KiB"));
    case Smaller: return !r.ok ? QVariant() : sort ? QVariant(r.sizeRatio) : QVariant(QString::number(r.sizeRatio, 'f', 2) + QStringLiteral("x"));
    case Sqnr:
        if (!r.ok) return {};
        if (std::isinf(r.sqnrDb)) return sort ? QVariant(1e9) : QVariant(QStringLiteral("exact"));
        return sort ? QVariant(r.sqnrDb) : QVariant(QString::number(r.sqnrDb, 'f', 1));
    case Accuracy:
        if (!r.accuracy) return sort ? QVariant(-1.0) : QVariant(QStringLiteral("n/a"));
        return sort ? QVariant(*r.accuracy) : QVariant(QString::number(*r.accuracy * 100.0, 'f', 1) + QStringLiteral(" %"));
    case Latency:
        if (!r.ok) return {};
        return sort ? QVariant(r.latencyMs)
                    : QVariant(tr("%1 (float %2)").arg(r.latencyMs, 0, 'f', 2).arg(r.floatLatencyMs, 0, 'f', 2));
    case Time: return sort ? QVariant(r.quantizeSeconds) : QVariant(QString::number(r.quantizeSeconds, 'f', 2));
    case Note: {
        if (!r.ok) return QString::fromStdString(r.error);
        QStringList kept;
        for (const auto& k : r.keepFloat) kept << QString::fromStdString(k);
        return kept.isEmpty() ? QString() : tr("float: %1").arg(kept.join(QStringLiteral(", ")));
    }
    }
    return {};
}

QVariant LeafTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Mode: return tr("Leaf");
    case Size: return tr("File size");
    case Smaller: return tr("Smaller");
    case Sqnr: return tr("Output SQNR (dB)");
    case Accuracy: return tr("Top-1");
    case Latency: return tr("Latency ms, desktop x86");
    case Time: return tr("Quantize (s)");
    case Note: return tr("Note");
    }
    return {};
}

} // namespace ql::ui
