#include "lab/SensitivityModel.h"

#include "analysis/ErrorMetrics.h"

#include <QBrush>
#include <QColor>
#include <cmath>

namespace ql::ui {

namespace {
// Sort key of a dB figure: +inf (no error) sorts last, NaN first.
double dbKey(double v) { return std::isnan(v) ? -1e300 : std::isinf(v) ? (v > 0 ? 1e300 : -1e300) : v; }
} // namespace

SensitivityModel::SensitivityModel(QObject* parent) : QAbstractTableModel(parent) {}

void SensitivityModel::resetData(std::shared_ptr<const SensitivityRun> run) {
    beginResetModel();
    m_run = run && run->ok() ? std::move(run) : nullptr;
    endResetModel();
}

void SensitivityModel::setKeptFloat(const QStringList& names) {
    QSet<QString> kept(names.begin(), names.end());
    if (kept == m_kept) return;
    m_kept = std::move(kept);
    if (rowCount() > 0) emit dataChanged(index(0, Keep), index(rowCount() - 1, Keep), {Qt::CheckStateRole, SortRole});
}

bool SensitivityModel::isKeptFloat(int layer) const {
    return m_run && layer >= 0 && size_t(layer) < m_run->result.layers.size() &&
           m_kept.contains(QString::fromStdString(m_run->result.layers[size_t(layer)].name));
}

int SensitivityModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_run ? 0 : int(m_run->result.layers.size());
}
int SensitivityModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

Qt::ItemFlags SensitivityModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == Keep) f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant SensitivityModel::data(const QModelIndex& index, int role) const {
    if (!m_run || !index.isValid() || index.row() >= rowCount()) return {};
    const size_t li = size_t(index.row());
    const analysis::SensitivityResult& r = m_run->result;
    const analysis::LayerSensitivity& l = r.layers[li];
    const OperatorIndex floatOp = li < m_run->floatOps.size() ? m_run->floatOps[li] : OperatorIndex{};
    const int step = li < m_run->greedyStep.size() ? m_run->greedyStep[li] : 0;
    const double gain = l.allButThis.sqnrDb - r.allQuantized.sqnrDb;
    switch (role) {
    case LayerRole: return int(li);
    case OperatorRole: return floatOp.valid() ? int(floatOp.index()) : -1;
    case NameRole: return QString::fromStdString(l.name);
    case Qt::CheckStateRole:
        return index.column() == Keep ? QVariant(isKeptFloat(int(li)) ? Qt::Checked : Qt::Unchecked) : QVariant();
    case Qt::ToolTipRole:
        if (l.nameAmbiguous)
            return tr("'%1' is also the name of another operator's output: keeping it float keeps those float too")
                .arg(QString::fromStdString(l.name));
        if (index.column() == Keep) return tr("Keep this layer in float and quantize again");
        return {};
    case Qt::ForegroundRole:
        if (index.column() == OnlyThis && l.onlyThis.sqnrDb < 30) return QBrush(QColor(0xc0, 0x39, 0x2b));
        if (index.column() == Name && l.nameAmbiguous) return QBrush(QColor(0xb0, 0x6d, 0x00));
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == Op || index.column() == Name ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                              : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case SortRole:
        switch (index.column()) {
        case Keep: return isKeptFloat(int(li)) ? 1 : 0;
        case Rank: return int(li);
        case Index: return floatOp.valid() ? int(floatOp.index()) : int(l.op.index());
        case Op: return QString::fromStdString(l.type);
        case Name: return QString::fromStdString(l.name);
        case OnlyThis: return dbKey(l.onlyThis.sqnrDb);
        case AllButThis: return dbKey(l.allButThis.sqnrDb);
        case Gain: return dbKey(gain);
        case Greedy: return step ? step : 1 << 30;
        }
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case Keep: return QString();
        case Rank: return int(li + 1);
        case Index: return floatOp.valid() ? int(floatOp.index()) : QVariant();
        case Op: return QString::fromStdString(l.type);
        case Name: return QString::fromStdString(l.name);
        case OnlyThis: return QString::fromStdString(analysis::formatDb(l.onlyThis.sqnrDb));
        case AllButThis: return QString::fromStdString(analysis::formatDb(l.allButThis.sqnrDb));
        case Gain:
            if (std::isnan(gain)) return QString();
            if (std::isinf(gain)) return gain > 0 ? QStringLiteral("+∞") : QStringLiteral("−∞");
            return QStringLiteral("%1%2").arg(gain >= 0 ? QStringLiteral("+") : QString()).arg(gain, 0, 'f', 1);
        case Greedy: return step ? QVariant(step) : QVariant(QString());
        }
        return {};
    }
    return {};
}

bool SensitivityModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!m_run || !index.isValid() || index.column() != Keep || role != Qt::CheckStateRole) return false;
    const bool keep = value.toInt() == Qt::Checked;
    if (keep == isKeptFloat(index.row())) return false;
    emit keepFloatToggled(index.row(), keep); // the panel's list answers through setKeptFloat
    return true;
}

QVariant SensitivityModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Keep: return tr("Keep float: tick to add the layer to the quantize panel's keep-float list and quantize again");
        case OnlyThis: return tr("(a) Output SQNR with only this layer quantized: the error it adds on its own");
        case AllButThis: return tr("(b) Output SQNR with every layer but this one quantized");
        case Gain: return tr("What keeping only this layer float wins back: (b) minus the fully quantized model's SQNR");
        case Greedy: return tr("Step of the greedy keep-float search that chose this layer");
        }
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case Keep: return tr("Keep float");
    case Rank: return tr("Rank");
    case Index: return tr("#");
    case Op: return tr("Operator");
    case Name: return tr("Output");
    case OnlyThis: return tr("(a) only this");
    case AllButThis: return tr("(b) all but this");
    case Gain: return tr("Gain dB");
    case Greedy: return tr("Greedy");
    }
    return {};
}

} // namespace ql::ui
