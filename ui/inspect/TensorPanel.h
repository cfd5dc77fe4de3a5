#pragma once
// The tensor dock: properties and statistics, and tabs for the per-channel quantization
// table, the values table and the heat map (raw or dequantized); for blockwise tensors also
// the table of blocks and the heat map of the block scales.

#include "Snapshots.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QTabWidget;
class QTableView;
class QTreeView;

namespace ql::ui {

class BlockTableModel;
class HeatMapWidget;
class QuantTableModel;
class TensorModel;
class TensorValuesModel;

class TensorPanel : public QWidget {
    Q_OBJECT
public:
    enum Tab { QuantizationTab, ValuesTab, HeatMapTab, FormulaTab, BlocksTab, BlockScalesTab };
    explicit TensorPanel(QWidget* parent = nullptr);
    void resetData(std::shared_ptr<const TensorSnapshot> snapshot);
    void showTab(Tab tab);
    QString formulaText() const; // the teaching tab's worked example
    TensorModel* model() const { return m_model; }
    QuantTableModel* quantModel() const { return m_quant; }
    TensorValuesModel* valuesModel() const { return m_values; }
    BlockTableModel* blockModel() const { return m_blocks; }

private:
    void applyMode();

    std::shared_ptr<const TensorSnapshot> m_snapshot;
    TensorModel* m_model;
    QuantTableModel* m_quant;
    TensorValuesModel* m_values;
    BlockTableModel* m_blocks;
    QTreeView* m_tree;
    QTabWidget* m_tabs;
    QComboBox* m_mode;
    QTableView* m_quantView;
    QTableView* m_valuesView;
    HeatMapWidget* m_heatMap;
    QTableView* m_blockView = nullptr;
    HeatMapWidget* m_blockScales = nullptr;
    QLabel* m_formula; // the teaching tab: one value through q = round(r / scale) + zero_point
};

} // namespace ql::ui
