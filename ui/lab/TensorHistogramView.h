#pragma once
// The selected tensor of the side-by-side view, float against quantized: the float tensor's
// value histogram and the quantized tensor's real values (r = scale * (q - zero_point), end to
// end) on the same axes, with the quantization grid (the levels, when few enough are in view to
// read) and the clip limits [scale * (qmin - zp), scale * (qmax - zp)] marked; below, the error
// histograms (quantized - float): accumulated and, for operator outputs, per layer, with the
// rounding bound ±scale / 2.
//
// Every count comes from core/analysis/Compare (CompareResult::tensors[i].values,
// quantizedValues, accumulatedError, perLayerError): the view only plots. Its data mutator is
// resetData(result); showLayer / showTensor choose what is shown.

#include "analysis/Compare.h"

#include <QWidget>
#include <memory>
#include <vector>

class QComboBox;
class QCPItemStraightLine;
class QCustomPlot;
class QLabel;

namespace ql::ui {

class TensorHistogramView : public QWidget {
    Q_OBJECT
public:
    explicit TensorHistogramView(QWidget* parent = nullptr);

    void resetData(std::shared_ptr<const analysis::CompareResult> result);
    std::shared_ptr<const analysis::CompareResult> result() const { return m_result; }
    // Shows layer `layer` (index into result->layers): its output, its weights in the chooser.
    void showLayer(int layer);
    // Shows tensor `tensor` (index into result->tensors); -1 clears.
    void showTensor(int tensor);
    int layer() const { return m_layer; }
    int tensor() const { return m_tensor; }

    QCustomPlot* valuePlot() const { return m_values; }
    QCustomPlot* errorPlot() const { return m_errors; }
    QString titleText() const;
    static QString placeholder(); // the title while no tensor is shown
    // Grid levels drawn on the value plot (0 when too many are in view to read).
    int gridLinesDrawn() const { return int(m_gridLines.size()); }

private:
    void rebuild();
    void drawGrid();

    std::shared_ptr<const analysis::CompareResult> m_result;
    int m_layer = -1;
    int m_tensor = -1;
    std::vector<int> m_choices; // tensors offered by the chooser
    bool m_filling = false;

    QLabel* m_title;
    QComboBox* m_chooser;
    QCustomPlot* m_values;
    QCustomPlot* m_errors;
    std::vector<QCPItemStraightLine*> m_gridLines;
};

} // namespace ql::ui
