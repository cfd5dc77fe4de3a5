#pragma once
// A tensor's values as a heat map: rows = leading dimensions, columns = last dimension
// (like the values table), blue-white-red around zero. Big tensors are shown with a stride
// (at most 512 cells per side). Hover shows the value.

#include "Snapshots.h"
#include "inspect/TensorModel.h"

#include <QImage>
#include <QWidget>

namespace ql::ui {

class HeatMapWidget : public QWidget {
    Q_OBJECT
public:
    explicit HeatMapWidget(QWidget* parent = nullptr);
    void resetData(std::shared_ptr<const TensorSnapshot> snapshot, TensorValuesModel::Mode mode);
    // The block scales of a blockwise tensor: rows x blocks per row, min..max of the scales.
    void resetBlockScales(std::shared_ptr<const TensorSnapshot> snapshot);

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    QRectF imageRect() const;
    // Fills the image from `values` laid out `cols` wide, coloured over [lo, hi].
    void build(std::vector<double> values, int cols, double lo, double hi);

    std::shared_ptr<const TensorSnapshot> m_snapshot;
    TensorValuesModel::Mode m_mode = TensorValuesModel::Mode::Dequantized;
    QImage m_image;
    std::vector<double> m_shown; // the values the image shows (for the tooltip)
    int m_rows = 0, m_cols = 0, m_rowStride = 1, m_colStride = 1;
    double m_lo = 0, m_hi = 0;
};

} // namespace ql::ui
