#pragma once
// The sensitivity ranking as a bar chart (QCustomPlot): for the most sensitive layers, in rank
// order, the output SQNR with (a) only this layer quantized and (b) all but this layer
// quantized, beside the fully quantized model's SQNR and the greedy search's target as lines.
// Layers kept in float are starred. A click on a bar reports the layer (barClicked).

#include "lab/SensitivityRun.h"

#include <QWidget>
#include <memory>

class QCustomPlot;
class QCPBars;
class QCPGraph;

namespace ql::ui {

class SensitivityChart : public QWidget {
    Q_OBJECT
public:
    explicit SensitivityChart(QWidget* parent = nullptr);

    // Shows the first `maxLayers` layers of the ranking (null: empty chart).
    void setRun(std::shared_ptr<const SensitivityRun> run, int maxLayers = 24);
    // Stars the layers (indices into result.layers) kept in float.
    void setKept(const std::vector<int>& layers);
    // Highlights one layer's bars (-1: none).
    void setSelectedLayer(int layer);

    int barCount() const { return m_shown; }
    QCustomPlot* plot() const { return m_plot; }

signals:
    void barClicked(int layer);

private:
    double shownValue(double db) const; // +inf drawn at the top of the axis

    QCustomPlot* m_plot;
    QCPBars* m_only = nullptr;
    QCPBars* m_allBut = nullptr;
    QCPGraph* m_kept = nullptr;
    std::shared_ptr<const SensitivityRun> m_run;
    int m_shown = 0;
    double m_top = 60;
};

} // namespace ql::ui
