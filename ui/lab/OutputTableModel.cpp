#include "lab/OutputTableModel.h"

#include <QBrush>
#include <QColor>
#include <cmath>

namespace ql::ui {

OutputTableModel::OutputTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void OutputTableModel::resetData(std::shared_ptr<const lab::SideBySideResult> result, std::shared_ptr<const Labels> labels) {
    beginResetModel();
    m_result = std::move(result);
    m_labels = std::move(labels);
    m_rows.clear();
    if (m_result)
        for (size_t o = 0; o < m_result->outputs.size(); ++o) {
            const auto& c = m_result->outputs[o];
            const size_t n = std::min({c.reference.size(), c.test.size(), kMaxRowsPerOutput});
            for (size_t e = 0; e < n; ++e) m_rows.emplace_back(int(o), int(e));
        }
    endResetModel();
}

QString OutputTableModel::labelOf(size_t output, size_t element) const {
    if (!m_labels || output >= m_labels->size() || element >= (*m_labels)[output].size()) return {};
    return QString::fromStdString((*m_labels)[output][element]);
}

int OutputTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int OutputTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant OutputTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size())) return {};
    const auto [o, e] = m_rows[size_t(index.row())];
    const auto& c = m_result->outputs[size_t(o)];
    const double a = c.reference[size_t(e)], b = c.test[size_t(e)], d = b - a;
    if (role == Qt::TextAlignmentRole) return index.column() == Output || index.column() == Label ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Difference && c.maxAbsDiff > 0 && std::abs(d) > 0.5 * c.maxAbsDiff)
        return QBrush(QColor(0xc0, 0x39, 0x2b));
    if (role == SortRole) {
        switch (index.column()) {
        case Output: return o;
        case Index: return e;
        case Label: return labelOf(size_t(o), size_t(e));
        case Float: return a;
        case Quantized: return b;
        case Difference: return std::abs(d);
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Output: return QString::fromStdString(c.name);
    case Index: return e;
    case Label: return labelOf(size_t(o), size_t(e));
    case Float: return QString::number(a, 'g', 6);
    case Quantized: return QString::number(b, 'g', 6);
    case Difference: return QString::number(d, 'g', 4);
    }
    return {};
}

QVariant OutputTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Output: return tr("Output");
    case Index: return tr("Index");
    case Label: return tr("Label");
    case Float: return tr("Float");
    case Quantized: return tr("Quantized");
    case Difference: return tr("Difference");
    }
    return {};
}

} // namespace ql::ui
