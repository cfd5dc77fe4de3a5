#include "inspect/DiagnosticsModel.h"

#include <QApplication>
#include <QStyle>

namespace ql::ui {

void DiagnosticsModel::resetData(std::shared_ptr<const std::vector<Diagnostic>> diagnostics) {
    beginResetModel();
    m_items = std::move(diagnostics);
    endResetModel();
}

int DiagnosticsModel::count(Severity s) const {
    int n = 0;
    if (m_items)
        for (const auto& d : *m_items) n += d.severity == s;
    return n;
}

int DiagnosticsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_items ? 0 : int(m_items->size());
}

int DiagnosticsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant DiagnosticsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_items) return {};
    const Diagnostic& d = (*m_items)[size_t(index.row())];
    if (role == SeverityRole) return int(d.severity);
    if (index.column() == SeverityColumn) {
        if (role == Qt::DisplayRole)
            return d.severity == Severity::Error ? tr("error") : d.severity == Severity::Warning ? tr("warning") : tr("info");
        if (role == Qt::DecorationRole) {
            const auto icon = d.severity == Severity::Error     ? QStyle::SP_MessageBoxCritical
                              : d.severity == Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                : QStyle::SP_MessageBoxInformation;
            return QApplication::style()->standardIcon(icon);
        }
        return {};
    }
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) return QString::fromStdString(d.message);
    return {};
}

QVariant DiagnosticsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    return section == SeverityColumn ? tr("Severity") : tr("Message");
}

} // namespace ql::ui
