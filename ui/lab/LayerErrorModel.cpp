#include "lab/LayerErrorModel.h"

#include <QBrush>
#include <QColor>
#include <cmath>

namespace ql::ui {

LayerErrorModel::LayerErrorModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerErrorModel::resetData(std::shared_ptr<const analysis::CompareResult> result) {
    beginResetModel();
    m_result = std::move(result);
    m_rows.clear();
    if (m_result)
        for (size_t i = 0; i < m_result->layers.size(); ++i)
            if (!m_result->layers[i].conversion) m_rows.push_back(int(i));
    endResetModel();
}

int LayerErrorModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int LayerErrorModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LayerErrorModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size())) return {};
    const int li = m_rows[size_t(index.row())];
    const analysis::LayerComparison& l = m_result->layers[size_t(li)];
    if (role == LayerRole) return li;
    auto num = [&](double v, int prec) -> QVariant {
        if (role == SortRole) return std::isnan(v) ? -1e300 : std::isinf(v) ? (v > 0 ? 1e300 : -1e300) : v;
        if (std::isnan(v)) return QString();
        return QString::number(v, 'g', prec);
    };
    // A layer the quantized model kept in float computes exactly what the float model computes
    // from the same input: its per-layer SQNR is +inf by construction, shown as "float".
    const bool keptFloat = l.output >= 0 && size_t(l.output) < m_result->tensors.size() &&
                           m_result->tensors[size_t(l.output)].type == TensorType::FLOAT32 && !m_result->tensors[size_t(l.output)].quantized;
    auto db = [&](double v, bool has) -> QVariant {
        if (!has) return role == SortRole ? QVariant(1e300) : QVariant(QString());
        if (keptFloat && std::isinf(v) && v > 0) return role == SortRole ? QVariant(1e300) : QVariant(tr("float"));
        if (role == SortRole) return std::isinf(v) ? (v > 0 ? 1e300 : -1e300) : v;
        return QString::fromStdString(analysis::formatDb(v));
    };
    if (role == Qt::ForegroundRole && index.column() == PerLayerSqnr && l.hasPerLayer && l.perLayer.sqnrDb < 20)
        return QBrush(QColor(0xc0, 0x39, 0x2b));
    if (role == Qt::TextAlignmentRole)
        return index.column() == Op || index.column() == Name || index.column() == Note ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                                        : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != SortRole) return {};
    switch (index.column()) {
    case Index: return l.quantOp.valid() ? QVariant(int(l.quantOp.index())) : QVariant();
    case Op: return QString::fromStdString(l.opType);
    case Name: return QString::fromStdString(l.name);
    case PerLayerSqnr: return db(l.perLayer.sqnrDb, l.hasPerLayer);
    case AccumulatedSqnr: return db(l.accumulated.sqnrDb, true);
    case RmseOverScale: return num(l.hasPerLayer ? l.perLayer.rmseOverScale : l.accumulated.rmseOverScale, 3);
    case MaxAbs: return num(l.accumulated.maxAbsError, 4);
    case ClipRate: return num(l.accumulated.clipRate, 3);
    case Note: return QString::fromStdString(l.note);
    }
    return {};
}

QVariant LayerErrorModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Index: return tr("#");
    case Op: return tr("Operator");
    case Name: return tr("Output");
    case PerLayerSqnr: return tr("Per-layer SQNR");
    case AccumulatedSqnr: return tr("Accumulated SQNR");
    case RmseOverScale: return tr("RMSE / scale");
    case MaxAbs: return tr("max |error|");
    case ClipRate: return tr("Clipped");
    case Note: return tr("Note");
    }
    return {};
}

} // namespace ql::ui
