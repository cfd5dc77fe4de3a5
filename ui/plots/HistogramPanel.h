#pragma once
// Histograms of a tensor's values (weights; activations when calibration samples are loaded),
// per tensor or per channel, with the quantization grid, the tensor's representable range,
// the calibrator's chosen range and the what-if clip limits drawn over them; the per-channel
// range chart; and the what-if panel: drag a clip line or change the bit width and the MSE
// and SQNR of the tensor update live (core/analysis/WhatIf).

#include "Snapshots.h"
#include "analysis/WhatIf.h"

#include <QPen>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCPItemStraightLine;
class QCPItemText;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QMouseEvent;
class QSpinBox;

namespace ql::ui {

class HistogramPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kBins = 128;
    explicit HistogramPanel(QWidget* parent = nullptr);

    void resetData(std::shared_ptr<const TensorSnapshot> snapshot);
    QCustomPlot* histogramPlot() const { return m_hist; }
    QCustomPlot* channelPlot() const { return m_channels; }

    // The what-if state (also driven by the controls and by dragging the clip lines).
    void setClipRange(double lo, double hi);
    void setBits(int bits);
    void setChannel(int channel); // -1 = all channels
    const WhatIfResult& whatIf() const { return m_result; }
    const WhatIfParams& whatIfParams() const { return m_params; }
    // The clip range as the Clip fields show it ([-a, a] in symmetric mode).
    std::pair<double, double> displayedClip() const;
    void setSymmetric(bool symmetric);
    // Clips at the calibrator's chosen range (activation samples with a range only).
    void useCalibratorRange();
    // Emits applyRequested for the current tensor and what-if state (no tensor: nothing).
    void applyToLab();
    QString scopeNote() const; // what the what-if quantizes (one scale, one channel, ...)
    // The quantization levels drawn over the histogram (when few enough are visible) and their
    // pen, which differs from the axis grid's.
    const std::vector<QCPItemStraightLine*>& gridLines() const { return m_gridLines; }
    static QPen quantGridPen();

protected:
    void changeEvent(QEvent* e) override; // restyles the plots when the theme changes

signals:
    void whatIfChanged(const ql::WhatIfResult& result);
    // "Apply to the lab's quantization": the tensor's what-if clip range (as the Clip fields show
    // it) and bit width, to become an override of the lab's quantization; `constant` for weights.
    void applyRequested(const QString& tensor, double clipMin, double clipMax, int bits, bool constant);

private:
    void selectValues();
    void rebuildHistogram();
    void rebuildChannelPlot();
    void updateWhatIf();
    void drawGrid();
    void drawCalibratorRanges();
    void onPlotPress(QMouseEvent* e);
    void onPlotMove(QMouseEvent* e);
    void onPlotRelease(QMouseEvent* e);

    std::shared_ptr<const TensorSnapshot> m_snapshot;
    std::vector<double> m_values; // the selected channel's real values (or all)
    int m_channel = -1;
    WhatIfParams m_params;
    WhatIfResult m_result;
    int m_dragging = 0; // 0 none, 1 low clip line, 2 high clip line
    bool m_updatingControls = false;

    QLabel* m_title;
    QComboBox* m_channelBox;
    QSpinBox* m_bits;
    QCheckBox* m_symmetric;
    QCheckBox* m_logCounts;
    QDoubleSpinBox* m_clipLo;
    QDoubleSpinBox* m_clipHi;
    QWidget* m_calibratorButton;
    QWidget* m_exportChannels;
    QWidget* m_applyButton;
    QLabel* m_scopeNote;
    QLabel* m_resultLabel;
    QCustomPlot* m_hist;
    QCustomPlot* m_channels;
    QCPItemStraightLine* m_loLine = nullptr;
    QCPItemStraightLine* m_hiLine = nullptr;
    std::vector<QCPItemStraightLine*> m_gridLines;
    QCPItemText* m_gridLabel = nullptr;
};

} // namespace ql::ui
