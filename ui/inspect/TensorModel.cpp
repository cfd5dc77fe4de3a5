#include "inspect/TensorModel.h"

#include "inspect/Format.h"

#include <algorithm>

namespace ql::ui {

void TensorModel::resetData(std::shared_ptr<const TensorSnapshot> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    clearRows();
    if (m_snapshot) {
        const Tensor& t = m_snapshot->info();
        const Model& m = *m_snapshot->model;
        const int general = addSection(tr("Tensor"));
        addRow(general, tr("name"), QString::fromStdString(t.name));
        addRow(general, tr("index"), QString::number(m_snapshot->tensor.value));
        addRow(general, tr("dtype"), QString::fromLatin1(typeName(t.type).data()));
        addRow(general, tr("shape"), formatShape(t.shape));
        if (!t.shapeSignature.empty())
            addRow(general, tr("shape_signature"), formatShape(t.shapeSignature));
        addRow(general, tr("elements"), formatCount(uint64_t(t.elementCount())));
        if (auto bytes = byteCount(t.type, uint64_t(t.elementCount())))
            addRow(general, tr("bytes"), formatBytes(*bytes));
        addRow(general, tr("buffer"),
               m_snapshot->constant
                   ? tr("%1 (%2)").arg(t.buffer.value).arg(formatBytes(m.buffer(t.buffer).size))
                   : tr("%1 (no data: activation)").arg(t.buffer.value));
        addRow(general, tr("kind"),
               m_snapshot->constant ? tr("constant")
               : t.isVariable       ? tr("variable")
                                    : tr("activation"));
        if (t.sparsity)
            addRow(general, tr("sparsity"), tr("sparse encoding (TFLite SparsityParameters)"));

        const int quant = addSection(tr("Quantization"));
        if (t.quant.isBlockwise()) {
            // The scales live in another tensor, one per block of blockSize values along the
            // last dimension (the Blocks and Block scales tabs list them).
            const BlockwiseParams& b = *t.quant.blockwise;
            addRow(quant, tr("scheme"), tr("blockwise, %1 values per block").arg(b.blockSize));
            if (m_snapshot->blocks) {
                const BlockScaleTable& table = *m_snapshot->blocks;
                addRow(quant, tr("blocks"),
                       tr("%1 rows x %2 blocks").arg(table.rows).arg(table.blocksPerRow));
                if (!table.scales.empty()) {
                    const auto [lo, hi] =
                        std::minmax_element(table.scales.begin(), table.scales.end());
                    addRow(quant, tr("block scales"),
                           QStringLiteral("[%1, %2] (%3)")
                               .arg(formatNumber(*lo), formatNumber(*hi),
                                    QString::fromLatin1(typeName(table.scaleType).data())));
                }
            }
            addRow(quant, tr("scales tensor"), QString::number(b.scales.value));
            addRow(quant, tr("zero points"),
                   b.zeroPoints.valid() ? tr("tensor %1").arg(b.zeroPoints.value) : tr("all 0"));
        } else if (!t.quant.isQuantized()) {
            addRow(quant, tr("scheme"), tr("not quantized"));
        } else if (t.quant.isPerChannel()) {
            addRow(quant, tr("scheme"), tr("per-channel, %1 channels").arg(t.quant.scale.size()));
            addRow(quant, tr("quantized_dimension"), QString::number(t.quant.quantizedDimension));
        } else {
            const auto& q = m_snapshot->quant.front();
            addRow(quant, tr("scheme"), tr("per-tensor"));
            addRow(quant, tr("scale"), formatNumber(q.scale));
            addRow(quant, tr("zero_point"), QString::number(q.zeroPoint));
            addRow(
                quant, tr("float range"),
                QStringLiteral("[%1, %2]").arg(formatNumber(q.minFloat), formatNumber(q.maxFloat)));
        }
        if (!t.quant.min.empty() && !t.quant.max.empty())
            addRow(quant, tr("recorded min/max"),
                   QStringLiteral("[%1, %2]")
                       .arg(formatNumber(t.quant.min[0]), formatNumber(t.quant.max[0])));

        auto stats = [&](const QString& title, const ValueStats& s) {
            const int sec = addSection(title);
            addRow(sec, tr("min"), formatNumber(s.min));
            addRow(sec, tr("max"), formatNumber(s.max));
            addRow(sec, tr("mean"), formatNumber(s.mean));
            addRow(sec, tr("std"), formatNumber(s.stddev));
            addRow(
                sec, tr("sparsity"),
                tr("%1 % (%2 zeros)").arg(s.sparsity * 100.0, 0, 'f', 2).arg(formatCount(s.zeros)));
            if (s.nonFinite) addRow(sec, tr("non-finite"), formatCount(s.nonFinite));
        };
        if (!m_snapshot->hasValues) {
            addRow(addSection(tr("Values")), tr("note"),
                   QString::fromStdString(m_snapshot->valueNote));
        } else if ((t.quant.isQuantized() || t.quant.isBlockwise()) && !m_snapshot->fromSamples) {
            stats(tr("Statistics (raw, as stored)"), m_snapshot->rawStats);
            stats(tr("Statistics (dequantized)"), m_snapshot->realStats);
        } else {
            stats(m_snapshot->fromSamples ? tr("Statistics (calibration samples)")
                                          : tr("Statistics"),
                  m_snapshot->realStats);
        }
    }
    endResetModel();
}

void QuantTableModel::resetData(std::shared_ptr<const TensorSnapshot> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    endResetModel();
}

int QuantTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_snapshot ? 0 : int(m_snapshot->quant.size());
}

int QuantTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant QuantTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_snapshot) return {};
    const ChannelQuant& q = m_snapshot->quant[size_t(index.row())];
    const bool observed = m_snapshot->channelStats.size() == m_snapshot->quant.size();
    const bool whole = m_snapshot->quant.size() == 1 && m_snapshot->hasValues;
    QVariant v;
    switch (index.column()) {
    case ChannelColumn:
        v = q.channel;
        break;
    case ScaleColumn:
        v = q.scale;
        break;
    case ZeroPointColumn:
        v = qlonglong(q.zeroPoint);
        break;
    case MinFloatColumn:
        v = q.minFloat;
        break;
    case MaxFloatColumn:
        v = q.maxFloat;
        break;
    case ObservedMinColumn:
        if (observed)
            v = m_snapshot->channelStats[size_t(index.row())].min;
        else if (whole)
            v = m_snapshot->realStats.min;
        break;
    case ObservedMaxColumn:
        if (observed)
            v = m_snapshot->channelStats[size_t(index.row())].max;
        else if (whole)
            v = m_snapshot->realStats.max;
        break;
    default:
        return {};
    }
    if (role == ValueRole) return v;
    if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole || !v.isValid()) return {};
    return v.typeId() == QMetaType::Double ? QVariant(formatNumber(v.toDouble())) : v;
}

QVariant QuantTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"channel",   "scale",        "zero_point",  "min float",
                                  "max float", "observed min", "observed max"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void TensorValuesModel::resetData(std::shared_ptr<const TensorSnapshot> snapshot, Mode mode) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    m_mode = mode;
    m_rows = m_cols = 0;
    if (m_snapshot && m_snapshot->hasValues) {
        const auto& shape = m_snapshot->info().shape;
        const size_t n = m_snapshot->raw.size();
        m_cols = shape.empty() ? 1 : std::max(1, shape.back());
        if (m_snapshot->fromSamples) m_cols = int(std::min<size_t>(n, 16)); // samples: a flat list
        m_rows = m_cols > 0 ? int((n + size_t(m_cols) - 1) / size_t(m_cols)) : 0;
    }
    endResetModel();
}

int TensorValuesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_rows;
}
int TensorValuesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_cols;
}

QVariant TensorValuesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_snapshot) return {};
    const size_t i = size_t(index.row()) * size_t(m_cols) + size_t(index.column());
    const auto& values = m_mode == Mode::Raw ? m_snapshot->raw : m_snapshot->real;
    if (i >= values.size()) return {};
    if (role == ValueRole) return values[i];
    if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::DisplayRole) return formatNumber(values[i]);
    return {};
}

QVariant TensorValuesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Horizontal || !m_snapshot) return section;
    // row header: the index of the leading dimensions, e.g. "2,0,1"
    const auto& shape = m_snapshot->info().shape;
    if (shape.size() <= 2 || m_snapshot->fromSamples) return section;
    QStringList parts;
    int64_t rest = section;
    std::vector<int64_t> idx(shape.size() - 1);
    for (size_t d = shape.size() - 1; d-- > 0;) {
        const int64_t dim = std::max(1, shape[d]);
        idx[d] = rest % dim;
        rest /= dim;
    }
    for (auto v : idx)
        parts << QString::number(v);
    return parts.join(QLatin1Char(','));
}

} // namespace ql::ui
