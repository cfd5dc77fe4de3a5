#include "inspect/HeatMapWidget.h"

#include "Theme.h"
#include "inspect/Format.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace ql::ui {

HeatMapWidget::HeatMapWidget(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(160, 120);
}

void HeatMapWidget::resetData(std::shared_ptr<const TensorSnapshot> snapshot, TensorValuesModel::Mode mode) {
    m_snapshot = std::move(snapshot);
    m_mode = mode;
    if (m_snapshot && m_snapshot->hasValues && !m_snapshot->raw.empty()) {
        const auto& values = mode == TensorValuesModel::Mode::Raw ? m_snapshot->raw : m_snapshot->real;
        const auto& shape = m_snapshot->info().shape;
        const int cols = shape.empty() || m_snapshot->fromSamples ? int(std::min<size_t>(values.size(), 64)) : std::max(1, shape.back());
        const ValueStats s = mode == TensorValuesModel::Mode::Raw ? m_snapshot->rawStats : m_snapshot->realStats;
        // symmetric around zero when the values have both signs (weights), else min..max
        if (s.min < 0 && s.max > 0) build(values, cols, -s.absMax, s.absMax);
        else build(values, cols, s.min, s.max);
    } else {
        build({}, 0, 0, 0);
    }
}

void HeatMapWidget::resetBlockScales(std::shared_ptr<const TensorSnapshot> snapshot) {
    m_snapshot = std::move(snapshot);
    if (m_snapshot && m_snapshot->blocks && !m_snapshot->blocks->scales.empty()) {
        const BlockScaleTable& t = *m_snapshot->blocks;
        std::vector<double> values(t.scales.begin(), t.scales.end());
        const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        build(values, int(t.blocksPerRow), *lo, *hi);
    } else {
        build({}, 0, 0, 0);
    }
}

void HeatMapWidget::build(std::vector<double> values, int cols, double lo, double hi) {
    m_shown = std::move(values);
    m_image = QImage();
    m_rows = m_cols = 0;
    m_lo = lo;
    m_hi = hi;
    if (!m_shown.empty() && cols > 0) {
        m_cols = cols;
        m_rows = int((m_shown.size() + size_t(m_cols) - 1) / size_t(m_cols));
        m_rowStride = std::max(1, (m_rows + 511) / 512);
        m_colStride = std::max(1, (m_cols + 511) / 512);
        const int h = (m_rows + m_rowStride - 1) / m_rowStride, w = (m_cols + m_colStride - 1) / m_colStride;
        m_image = QImage(w, h, QImage::Format_RGB32);
        const double span = m_hi > m_lo ? m_hi - m_lo : 1.0;
        for (int y = 0; y < h; ++y) {
            auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(y));
            for (int x = 0; x < w; ++x) {
                const size_t i = size_t(y) * size_t(m_rowStride) * size_t(m_cols) + size_t(x) * size_t(m_colStride);
                line[x] = i < m_shown.size() ? Theme::ramp((m_shown[i] - m_lo) / span).rgb() : qRgb(128, 128, 128);
            }
        }
    }
    update();
}

QRectF HeatMapWidget::imageRect() const {
    const QRectF area = QRectF(rect()).adjusted(8, 8, -8, -34);
    if (m_image.isNull() || area.width() <= 0 || area.height() <= 0) return {};
    // Fill the pane: cells are stretched rather than kept square, so that tall, narrow views
    // (e.g. 288 x 3 for a [32, 3, 3, 3] filter) do not become a hairline. Cells stay at most
    // 48 px wide or tall so that tiny tensors still read as a grid.
    const QSizeF size(std::min(area.width(), 48.0 * m_image.width()), std::min(area.height(), 48.0 * m_image.height()));
    return QRectF(area.topLeft(), size);
}

void HeatMapWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (m_image.isNull()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                   m_snapshot ? QString::fromStdString(m_snapshot->valueNote) : tr("Select a constant tensor"));
        return;
    }
    const QRectF r = imageRect();
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(r, m_image);
    // colour bar
    const QRectF bar(8, height() - 26, std::min(240.0, width() - 16.0), 10);
    for (int x = 0; x < int(bar.width()); ++x) {
        p.setPen(Theme::ramp(double(x) / bar.width()));
        p.drawLine(QPointF(bar.x() + x, bar.y()), QPointF(bar.x() + x, bar.bottom()));
    }
    p.setPen(palette().color(QPalette::Text));
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    p.setFont(f);
    p.drawText(QPointF(bar.x(), bar.bottom() + 12), formatNumber(m_lo));
    const QString hi = formatNumber(m_hi);
    p.drawText(QPointF(bar.right() - p.fontMetrics().horizontalAdvance(hi), bar.bottom() + 12), hi);
    QString info = tr("%1 × %2").arg(m_rows).arg(m_cols);
    // sampled cells of big tensors: say which rows / columns are shown
    if (m_rowStride > 1 && m_colStride > 1) info += tr("  (1 in %1 rows, 1 in %2 columns)").arg(m_rowStride).arg(m_colStride);
    else if (m_rowStride > 1) info += tr("  (1 in %1 rows)").arg(m_rowStride);
    else if (m_colStride > 1) info += tr("  (1 in %1 columns)").arg(m_colStride);
    p.drawText(QPointF(bar.right() + 12, bar.bottom()), info);
}

void HeatMapWidget::mouseMoveEvent(QMouseEvent* e) {
    const QRectF r = imageRect();
    if (r.isEmpty() || !r.contains(e->position())) return;
    const int x = int((e->position().x() - r.x()) / r.width() * m_image.width());
    const int y = int((e->position().y() - r.y()) / r.height() * m_image.height());
    const int row = y * m_rowStride, col = x * m_colStride;
    const size_t i = size_t(row) * size_t(m_cols) + size_t(col);
    if (i < m_shown.size())
        QToolTip::showText(e->globalPosition().toPoint(), tr("row %1, column %2: %3").arg(row).arg(col).arg(formatNumber(m_shown[i])), this);
}

} // namespace ql::ui
