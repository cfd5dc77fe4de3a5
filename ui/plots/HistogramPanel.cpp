#include "plots/HistogramPanel.h"

#include "inspect/Format.h"
#include "plots/PlotExport.h"
#include "plots/PlotStyle.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>

namespace ql::ui {
namespace {

QCustomPlot* makePlot(QWidget* parent) {
    QCustomPlot* p = makeStyledPlot(parent, 150);
    p->legend->setVisible(false);
    return p;
}

// TFLite's fused tensor names ("a;b;c;...") run to hundreds of characters: keep the start and
// the end (the tooltip of the title has the whole name).
QString shortName(const std::string& name) {
    const QString n = QString::fromStdString(name);
    return n.size() <= 110 ? n : n.left(70) + QStringLiteral(" … ") + n.right(36);
}

QString samplesNote(const TensorSnapshot& s) {
    QString note = HistogramPanel::tr("  ·  activation, %1 values sampled over %2 data sample(s)")
                       .arg(formatCount(s.real.size()))
                       .arg(s.sampleCount);
    if (s.hasChosenRange)
        note += HistogramPanel::tr("  ·  %1 chose [%2, %3]")
                    .arg(QString::fromStdString(s.calibrator), formatNumber(s.chosenMin), formatNumber(s.chosenMax));
    return note;
}

} // namespace

HistogramPanel::HistogramPanel(QWidget* parent) : QWidget(parent) {
    auto* box = new QVBoxLayout(this);
    box->setContentsMargins(4, 4, 4, 4);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    box->addWidget(m_title);

    auto* controls = new QGridLayout;
    m_channelBox = new QComboBox(this);
    m_bits = new QSpinBox(this);
    m_bits->setRange(2, 16);
    m_bits->setValue(8);
    m_bits->setSuffix(tr(" bits"));
    m_symmetric = new QCheckBox(tr("symmetric (z = 0)"), this);
    m_symmetric->setChecked(true);
    m_clipLo = new QDoubleSpinBox(this);
    m_clipHi = new QDoubleSpinBox(this);
    for (auto* s : {m_clipLo, m_clipHi}) {
        s->setDecimals(6);
        s->setRange(-1e9, 1e9);
        s->setKeyboardTracking(false);
    }
    auto* reset = new QPushButton(tr("min/max"), this);
    reset->setToolTip(tr("Clip at the observed minimum and maximum"));
    controls->addWidget(new QLabel(tr("Channel"), this), 0, 0);
    controls->addWidget(m_channelBox, 0, 1);
    controls->addWidget(m_bits, 0, 2);
    controls->addWidget(m_symmetric, 0, 3);
    m_logCounts = new QCheckBox(tr("log count"), this);
    m_logCounts->setToolTip(tr("Logarithmic count axis: the tails next to a spike (ReLU zeros) become visible"));
    controls->addWidget(m_logCounts, 0, 4);
    controls->addWidget(new QLabel(tr("Clip"), this), 1, 0);
    controls->addWidget(m_clipLo, 1, 1);
    controls->addWidget(m_clipHi, 1, 2);
    controls->addWidget(reset, 1, 3);
    auto* calibrated = new QPushButton(tr("calibrator"), this);
    calibrated->setToolTip(tr("Clip at the range the calibrator chose"));
    m_calibratorButton = calibrated;
    controls->addWidget(calibrated, 1, 4);
    controls->setColumnStretch(5, 1);
    box->addLayout(controls);
    m_scopeNote = new QLabel(this);
    m_scopeNote->setObjectName(QStringLiteral("whatIfScope"));
    m_scopeNote->setWordWrap(true);
    box->addWidget(m_scopeNote);
    m_resultLabel = new QLabel(this);
    m_resultLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(m_resultLabel);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_hist = makePlot(split);
    m_hist->xAxis->setLabel(tr("value  (drag the red clip lines)"));
    m_hist->yAxis->setLabel(tr("count"));
    m_channels = makePlot(split);
    m_channels->xAxis->setLabel(tr("channel"));
    m_channels->legend->setVisible(true); // which band is observed, which is representable
    m_channels->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_channels->yAxis->setLabel(tr("range"));
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    box->addWidget(split, 1);
    auto* exportRow = new QHBoxLayout;
    auto* apply = new QPushButton(tr("Apply to the lab's quantization"), this);
    apply->setObjectName(QStringLiteral("applyWhatIf"));
    apply->setToolTip(tr("Quantize this tensor with this clip range and bit width in the lab (an override of its calibrator); "
                         "the lab's Quantize writes the model"));
    m_applyButton = apply;
    exportRow->addWidget(apply);
    auto* exportHist = new QPushButton(tr("Export histogram..."), this);
    auto* exportChannels = new QPushButton(tr("Export channel ranges..."), this);
    m_exportChannels = exportChannels;
    exportRow->addStretch(1);
    exportRow->addWidget(exportHist);
    exportRow->addWidget(exportChannels);
    box->addLayout(exportRow);

    connect(apply, &QPushButton::clicked, this, &HistogramPanel::applyToLab);
    connect(exportHist, &QPushButton::clicked, this, [this] { exportPlotInteractively(m_hist, QStringLiteral("histogram.svg")); });
    connect(exportChannels, &QPushButton::clicked, this,
            [this] { exportPlotInteractively(m_channels, QStringLiteral("channel-ranges.svg")); });
    connect(m_channelBox, &QComboBox::activated, this, [this](int i) { setChannel(i - 1); });
    connect(m_bits, &QSpinBox::valueChanged, this, [this](int b) {
        if (m_updatingControls) return;
        m_params.bits = b;
        updateWhatIf();
    });
    connect(m_symmetric, &QCheckBox::toggled, this, [this](bool on) {
        if (m_updatingControls) return;
        m_params.symmetric = on;
        rebuildHistogram(); // the axis range follows the grid's ends
        updateWhatIf();
    });
    // symmetric mode has one limit a: either field sets [-|v|, |v|]
    connect(m_clipLo, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (m_updatingControls) return;
        if (m_params.symmetric) setClipRange(-std::abs(v), std::abs(v));
        else setClipRange(v, m_params.clipMax);
    });
    connect(m_clipHi, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (m_updatingControls) return;
        if (m_params.symmetric) setClipRange(-std::abs(v), std::abs(v));
        else setClipRange(m_params.clipMin, v);
    });
    connect(calibrated, &QPushButton::clicked, this, &HistogramPanel::useCalibratorRange);
    connect(m_logCounts, &QCheckBox::toggled, this, [this] {
        rebuildHistogram();
        updateWhatIf();
    });
    connect(reset, &QPushButton::clicked, this, [this] {
        const ValueStats s = computeValueStats(m_values);
        setClipRange(s.min, s.max);
    });
    connect(m_hist, &QCustomPlot::mousePress, this, &HistogramPanel::onPlotPress);
    connect(m_hist, &QCustomPlot::mouseMove, this, &HistogramPanel::onPlotMove);
    connect(m_hist, &QCustomPlot::mouseRelease, this, &HistogramPanel::onPlotRelease);
    connect(m_hist->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] { drawGrid(); });
    resetData(nullptr);
}

void HistogramPanel::changeEvent(QEvent* e) {
    QWidget::changeEvent(e);
    if (e->type() != QEvent::PaletteChange) return;
    for (QCustomPlot* p : {m_hist, m_channels}) {
        stylePlot(p, palette());
        p->replot();
    }
}

void HistogramPanel::resetData(std::shared_ptr<const TensorSnapshot> snapshot) {
    m_snapshot = std::move(snapshot);
    m_channel = -1;
    m_channelBox->clear();
    m_channelBox->addItem(tr("all channels"));
    const bool has = m_snapshot && m_snapshot->hasValues;
    if (has)
        for (size_t c = 0; c < m_snapshot->channelStats.size(); ++c) m_channelBox->addItem(tr("channel %1").arg(c));
    for (QWidget* w : std::initializer_list<QWidget*>{m_channelBox, m_bits, m_symmetric, m_clipLo, m_clipHi}) w->setEnabled(has);
    if (!m_snapshot) m_title->setText(tr("Select a tensor with values: a weight, or an activation once calibration data is loaded."));
    else if (!has) m_title->setText(tr("<b>%1</b>: %2").arg(shortName(m_snapshot->info().name).toHtmlEscaped(),
                                                            QString::fromStdString(m_snapshot->valueNote)));
    else
        m_title->setText(tr("<b>%1</b>  %2 %3%4")
                             .arg(shortName(m_snapshot->info().name).toHtmlEscaped(), formatShape(m_snapshot->info().shape),
                                  QString::fromLatin1(typeName(m_snapshot->info().type).data()),
                                  m_snapshot->fromSamples ? samplesNote(*m_snapshot) : QString()));
    m_title->setToolTip(m_snapshot ? QString::fromStdString(m_snapshot->info().name) : QString());
    m_calibratorButton->setEnabled(has && m_snapshot->hasChosenRange);
    m_applyButton->setEnabled(has);
    // the per-channel range chart belongs to per-channel quantization only
    const bool perChannel = has && m_snapshot->quant.size() > 1 && !m_snapshot->channelStats.empty();
    m_channels->setVisible(perChannel);
    m_exportChannels->setVisible(perChannel);
    if (has) { // start from the tensor's own scheme: symmetric when every zero point is 0
        // (float activations: asymmetric, like TFLite's int8 activations)
        bool symmetric = !(m_snapshot->fromSamples && m_snapshot->quant.empty());
        for (const auto& q : m_snapshot->quant) symmetric = symmetric && q.zeroPoint == 0;
        m_updatingControls = true;
        m_symmetric->setChecked(symmetric);
        m_updatingControls = false;
        m_params.symmetric = symmetric;
    }
    selectValues();
    rebuildChannelPlot();
}

void HistogramPanel::setChannel(int channel) {
    m_channel = channel;
    if (m_channelBox->currentIndex() != channel + 1) m_channelBox->setCurrentIndex(channel + 1);
    selectValues();
    rebuildChannelPlot();
}

void HistogramPanel::selectValues() {
    m_values.clear();
    if (m_snapshot && m_snapshot->hasValues) {
        if (m_channel >= 0 && m_snapshot->channelAxis >= 0)
            m_values = channelValues(m_snapshot->real, m_snapshot->info().shape, m_snapshot->channelAxis, m_channel);
        else
            m_values = m_snapshot->real;
    }
    const ValueStats s = computeValueStats(m_values);
    m_params.clipMin = s.min;
    m_params.clipMax = s.max;
    if (m_snapshot && m_snapshot->hasChosenRange && m_channel < 0) { // activations: start at the calibrator's choice
        m_params.clipMin = m_snapshot->chosenMin;
        m_params.clipMax = m_snapshot->chosenMax;
    }
    rebuildHistogram();
    updateWhatIf();
}

void HistogramPanel::setClipRange(double lo, double hi) {
    m_params.clipMin = std::min(lo, hi);
    m_params.clipMax = std::max(lo, hi);
    updateWhatIf();
}

void HistogramPanel::useCalibratorRange() {
    if (m_snapshot && m_snapshot->hasChosenRange) setClipRange(m_snapshot->chosenMin, m_snapshot->chosenMax);
}

void HistogramPanel::applyToLab() {
    if (!m_snapshot || !m_snapshot->hasValues) return;
    const auto [lo, hi] = displayedClip();
    emit applyRequested(QString::fromStdString(m_snapshot->info().name), lo, hi, m_params.bits, m_snapshot->constant);
}

QString HistogramPanel::scopeNote() const { return m_scopeNote->text(); }

void HistogramPanel::setSymmetric(bool symmetric) {
    m_params.symmetric = symmetric;
    m_updatingControls = true;
    m_symmetric->setChecked(symmetric);
    m_updatingControls = false;
    rebuildHistogram();
    updateWhatIf();
}

std::pair<double, double> HistogramPanel::displayedClip() const { return {m_clipLo->value(), m_clipHi->value()}; }

void HistogramPanel::setBits(int bits) {
    m_params.bits = bits;
    m_updatingControls = true;
    m_bits->setValue(bits);
    m_updatingControls = false;
    updateWhatIf();
}

void HistogramPanel::rebuildHistogram() {
    m_hist->clearPlottables();
    m_hist->clearItems();
    m_loLine = m_hiLine = nullptr;
    m_gridLines.clear();
    m_gridLabel = nullptr;
    if (m_values.empty()) {
        m_hist->replot();
        return;
    }
    // Values of a quantized tensor sit on its grid r = s * (q - z): one bin per level (edges at
    // half steps) avoids the comb pattern of equal bins that straddle levels unevenly.
    Histogram h;
    double step = 0;
    if (m_snapshot && !m_snapshot->quant.empty() && (m_channel >= 0 || m_snapshot->quant.size() == 1)) {
        const size_t c = m_channel >= 0 && size_t(m_channel) < m_snapshot->quant.size() ? size_t(m_channel) : 0;
        step = m_snapshot->quant[c].scale;
    }
    const ValueStats vs = computeValueStats(m_values);
    const double levels = step > 0 ? std::round((vs.max - vs.min) / step) + 1 : 0;
    if (levels >= 2 && levels <= 1024) h = makeHistogram(m_values, size_t(levels), vs.min - step / 2, vs.max + step / 2);
    else h = makeHistogram(m_values, kBins);
    auto* bars = new QCPBars(m_hist->xAxis, m_hist->yAxis);
    QVector<double> x, y;
    double top = 0;
    for (size_t i = 0; i < h.counts.size(); ++i) {
        x << h.binCenter(i);
        y << double(h.counts[i]);
        top = std::max(top, double(h.counts[i]));
    }
    bars->setData(x, y, true);
    bars->setWidth(h.binWidth());
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(70, 130, 200, 200));
    const bool log = m_logCounts->isChecked();
    if (log) bars->setBaseValue(0.5); // log axis: bars start below one count
    // the tensor's own representable range (per tensor, or the selected channel's)
    if (m_snapshot && !m_snapshot->quant.empty()) {
        const size_t c = m_channel >= 0 && size_t(m_channel) < m_snapshot->quant.size() ? size_t(m_channel) : 0;
        if (m_channel >= 0 || m_snapshot->quant.size() == 1) {
            const auto& q = m_snapshot->quant[c];
            auto* band = new QCPItemRect(m_hist);
            band->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
            band->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
            band->topLeft->setCoords(q.minFloat, 0);
            band->bottomRight->setCoords(q.maxFloat, 1);
            band->setPen(Qt::NoPen);
            band->setBrush(QColor(120, 200, 120, 40));
        }
    }
    drawCalibratorRanges();
    const QPen clipPen(QColor(210, 40, 40), 2);
    m_loLine = addVerticalLine(m_hist, m_params.clipMin, clipPen);
    m_hiLine = addVerticalLine(m_hist, m_params.clipMax, clipPen);
    // show the data, the what-if grid's ends (symmetric clips reach past the data) and the
    // calibrators' ranges
    const WhatIfResult grid = quantizationGrid(m_params);
    double lo = std::min(h.lo, grid.gridMin), hi = std::max(h.hi, grid.gridMax);
    if (m_snapshot && m_channel < 0)
        for (const auto& [name, r] : m_snapshot->calibratorRanges) {
            lo = std::min(lo, r.first);
            hi = std::max(hi, r.second);
        }
    const double pad = (hi - lo) * 0.06;
    m_hist->xAxis->setRange(lo - pad, hi + pad);
    m_hist->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log) m_hist->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else m_hist->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    m_hist->yAxis->setRange(log ? 0.5 : 0.0, log ? std::max(2.0, top * 2.0) : top * 1.08);
}

// The calibrator's chosen range (bold dashed green), and the other calibrators' ranges as
// thin labelled lines, so that the user sees how minmax, percentile, mse and kl differ.
void HistogramPanel::drawCalibratorRanges() {
    if (!m_snapshot || m_channel >= 0) return;
    const QColor colours[] = {QColor(140, 90, 200), QColor(220, 130, 20), QColor(20, 160, 170), QColor(200, 60, 150)};
    size_t k = 0;
    for (const auto& [name, r] : m_snapshot->calibratorRanges) {
        const bool chosen = name == m_snapshot->calibrator;
        const QColor c = chosen ? QColor(30, 150, 60) : colours[k % 4];
        const QPen pen(c, chosen ? 2.0 : 1.0, chosen ? Qt::DashLine : Qt::DotLine);
        for (double x : {r.first, r.second}) addVerticalLine(m_hist, x, pen);
        auto* label = new QCPItemText(m_hist);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(r.second, 0.05 + 0.08 * double(k));
        label->setPositionAlignment(Qt::AlignRight | Qt::AlignTop); // inside the range, left of its upper limit
        label->setText(QString::fromStdString(name) + (chosen ? tr(" (chosen)") : QString()) + QStringLiteral(" "));
        label->setColor(c);
        label->setClipToAxisRect(true);
        QFont f = label->font();
        f.setBold(chosen);
        label->setFont(f);
        ++k;
    }
    if (m_snapshot->calibratorRanges.empty() && m_snapshot->hasChosenRange) {
        const QPen pen(QColor(30, 150, 60), 2.0, Qt::DashLine);
        addVerticalLine(m_hist, m_snapshot->chosenMin, pen);
        addVerticalLine(m_hist, m_snapshot->chosenMax, pen);
    }
}

void HistogramPanel::drawGrid() {
    for (auto* l : m_gridLines) m_hist->removeItem(l);
    m_gridLines.clear();
    if (m_gridLabel) m_hist->removeItem(m_gridLabel);
    m_gridLabel = nullptr;
    if (m_values.empty() || m_result.scale <= 0) return;
    // Draw the levels q = qmin..qmax at r = s * (q - z) when few enough are visible to read.
    const QCPRange r = m_hist->xAxis->range();
    const double first = std::ceil(r.lower / m_result.scale), last = std::floor(r.upper / m_result.scale);
    const double qLo = std::max(first + double(m_result.zeroPoint), double(m_result.qmin));
    const double qHi = std::min(last + double(m_result.zeroPoint), double(m_result.qmax));
    if (qHi - qLo > 80) return;
    for (double q = qLo; q <= qHi; q += 1)
        m_gridLines.push_back(addVerticalLine(m_hist, m_result.scale * (q - double(m_result.zeroPoint)), quantGridPen()));
    // name them: the axis grid is dotted grey, these are solid and coloured
    auto* label = new QCPItemText(m_hist);
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.01, 0.01);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    label->setText(tr("│ quantization levels q = %1..%2").arg(qint64(qLo)).arg(qint64(qHi)));
    label->setColor(quantGridPen().color().darker(110));
    label->setClipToAxisRect(true);
    m_gridLabel = label;
}

QPen HistogramPanel::quantGridPen() {
    // Solid orange, half transparent: distinct from the axis grid (dotted, the palette's Mid)
    // and from the red clip lines and the green calibrator ranges.
    return QPen(QColor(235, 140, 20, 150), 1.0, Qt::SolidLine);
}

void HistogramPanel::updateWhatIf() {
    m_result = simulateQuantization(m_values, m_params);
    m_updatingControls = true;
    if (m_params.symmetric) { // one limit a = max(|lo|, |hi|): the range is [-a, a]
        const double a = std::max(std::abs(m_params.clipMin), std::abs(m_params.clipMax));
        m_clipLo->setValue(-a);
        m_clipHi->setValue(a);
    } else {
        m_clipLo->setValue(m_params.clipMin);
        m_clipHi->setValue(m_params.clipMax);
    }
    m_updatingControls = false;
    if (m_loLine) {
        // the effective clip limits are the grid's ends
        m_loLine->point1->setCoords(m_result.gridMin, 0);
        m_loLine->point2->setCoords(m_result.gridMin, 1);
        m_hiLine->point1->setCoords(m_result.gridMax, 0);
        m_hiLine->point2->setCoords(m_result.gridMax, 1);
    }
    // Per-channel tensors: "all channels" simulates one scale over the whole tensor, which is
    // not how the model quantizes it; say so, with the channel count.
    const size_t channels = m_snapshot ? m_snapshot->quant.size() : 0;
    if (m_values.empty()) m_scopeNote->clear();
    else if (channels > 1 && m_channel < 0)
        m_scopeNote->setText(tr("<font color=#b9770e>All channels: the what-if applies <b>one scale to the whole tensor</b>; the model "
                                "quantizes it per channel (%1 scales). Choose a channel to see its own grid.</font>")
                                 .arg(channels));
    else if (channels > 1)
        m_scopeNote->setText(tr("Channel %1 of %2: its own scale, as the model quantizes it.").arg(m_channel).arg(channels));
    else m_scopeNote->clear();
    if (m_values.empty()) {
        m_resultLabel->clear();
    } else {
        const QString sqnr = std::isinf(m_result.sqnrDb) ? tr("lossless") : tr("%1 dB").arg(m_result.sqnrDb, 0, 'f', 2);
        m_resultLabel->setText(tr("<b>what-if</b>: scale %1, zero_point %2, q ∈ [%3, %4] → MSE <b>%5</b>, SQNR <b>%6</b>, "
                                  "clipped %7 %, max |error| %8")
                                   .arg(formatNumber(m_result.scale))
                                   .arg(m_result.zeroPoint)
                                   .arg(m_result.qmin)
                                   .arg(m_result.qmax)
                                   .arg(formatNumber(m_result.mse), sqnr)
                                   .arg(m_result.clippedFraction * 100.0, 0, 'f', 3)
                                   .arg(formatNumber(m_result.maxAbsError)));
    }
    drawGrid();
    m_hist->replot(QCustomPlot::rpQueuedReplot);
    emit whatIfChanged(m_result);
}

void HistogramPanel::rebuildChannelPlot() {
    m_channels->clearPlottables();
    m_channels->clearItems();
    const bool has = m_snapshot && !m_snapshot->channelStats.empty();
    if (!has) {
        m_channels->replot();
        return;
    }
    QVector<double> x, lo, hi, qlo, qhi;
    double yMin = 0, yMax = 0;
    for (size_t c = 0; c < m_snapshot->channelStats.size(); ++c) {
        const ValueStats& s = m_snapshot->channelStats[c];
        x << double(c);
        lo << s.min;
        hi << s.max;
        yMin = std::min(yMin, s.min);
        yMax = std::max(yMax, s.max);
    }
    auto* gLo = m_channels->addGraph();
    auto* gHi = m_channels->addGraph();
    gLo->setData(x, lo, true);
    gHi->setData(x, hi, true);
    const QPen dataPen(QColor(70, 130, 200), 1.2);
    gLo->setPen(dataPen);
    gHi->setPen(dataPen);
    gHi->setBrush(QColor(70, 130, 200, 70));
    gHi->setChannelFillGraph(gLo);
    gHi->setName(tr("observed [min, max]"));
    gLo->removeFromLegend();
    if (m_snapshot->quant.size() == m_snapshot->channelStats.size() && !m_snapshot->fromSamples) {
        for (const auto& q : m_snapshot->quant) {
            qlo << q.minFloat;
            qhi << q.maxFloat;
        }
        const QPen qPen(QColor(30, 150, 60), 1.2, Qt::DashLine);
        bool first = true;
        for (const auto& ys : {qlo, qhi}) {
            auto* g = m_channels->addGraph();
            g->setData(x, ys, true);
            g->setPen(qPen);
            g->setLineStyle(QCPGraph::lsStepCenter);
            g->setName(tr("representable range (scale × [qmin − z, qmax − z])"));
            if (!first) g->removeFromLegend();
            first = false;
        }
    }
    if (m_channel >= 0) addVerticalLine(m_channels, m_channel, QPen(QColor(255, 150, 0), 2));
    m_channels->xAxis->setRange(-0.5, double(x.size()) - 0.5);
    const double pad = (yMax - yMin) * 0.1 + 1e-12;
    m_channels->yAxis->setRange(yMin - pad, yMax + pad);
    m_channels->replot();
}

void HistogramPanel::onPlotPress(QMouseEvent* e) {
    if (!m_loLine || e->button() != Qt::LeftButton) return;
    const double x = e->position().x();
    const double dLo = std::abs(m_hist->xAxis->coordToPixel(m_result.gridMin) - x);
    const double dHi = std::abs(m_hist->xAxis->coordToPixel(m_result.gridMax) - x);
    if (std::min(dLo, dHi) > 6) return;
    m_dragging = dLo <= dHi ? 1 : 2;
    m_hist->setInteraction(QCP::iRangeDrag, false);
}

void HistogramPanel::onPlotMove(QMouseEvent* e) {
    const double x = e->position().x();
    if (!m_dragging) {
        const bool near = m_loLine && (std::abs(m_hist->xAxis->coordToPixel(m_result.gridMin) - x) <= 6 ||
                                       std::abs(m_hist->xAxis->coordToPixel(m_result.gridMax) - x) <= 6);
        m_hist->setCursor(near ? Qt::SizeHorCursor : Qt::ArrowCursor);
        return;
    }
    const double v = m_hist->xAxis->pixelToCoord(x);
    if (m_params.symmetric) setClipRange(-std::abs(v), std::abs(v)); // symmetric: both lines move together
    else if (m_dragging == 1) setClipRange(std::min(v, m_params.clipMax), m_params.clipMax);
    else setClipRange(m_params.clipMin, std::max(v, m_params.clipMin));
}

void HistogramPanel::onPlotRelease(QMouseEvent*) {
    m_dragging = 0;
    m_hist->setInteraction(QCP::iRangeDrag, true);
}

} // namespace ql::ui
