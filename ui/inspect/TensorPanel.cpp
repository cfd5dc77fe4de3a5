#include "inspect/TensorPanel.h"

#include "inspect/BlockTableModel.h"
#include "inspect/HeatMapWidget.h"
#include "inspect/TensorModel.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

namespace ql::ui {

TensorPanel::TensorPanel(QWidget* parent)
    : QWidget(parent), m_model(new TensorModel(this)), m_quant(new QuantTableModel(this)), m_values(new TensorValuesModel(this)),
      m_blocks(new BlockTableModel(this)) {
    auto* box = new QVBoxLayout(this);
    box->setContentsMargins(2, 2, 2, 2);
    auto* split = new QSplitter(Qt::Vertical, this);
    m_tree = new QTreeView(split);
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    auto* lower = new QWidget(split);
    auto* lowerBox = new QVBoxLayout(lower);
    lowerBox->setContentsMargins(0, 0, 0, 0);
    auto* modeRow = new QHBoxLayout;
    modeRow->addWidget(new QLabel(tr("Values:"), lower));
    m_mode = new QComboBox(lower);
    m_mode->addItem(tr("dequantized  r = s·(q − z)"));
    m_mode->addItem(tr("raw (as stored)"));
    modeRow->addWidget(m_mode);
    modeRow->addStretch(1);
    lowerBox->addLayout(modeRow);
    m_tabs = new QTabWidget(lower);
    m_quantView = new QTableView(m_tabs);
    m_quantView->setModel(m_quant);
    m_quantView->verticalHeader()->hide();
    m_quantView->verticalHeader()->setDefaultSectionSize(20);
    m_quantView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_valuesView = new QTableView(m_tabs);
    m_valuesView->setModel(m_values);
    m_valuesView->verticalHeader()->setDefaultSectionSize(20);
    m_valuesView->horizontalHeader()->setDefaultSectionSize(72);
    m_heatMap = new HeatMapWidget(m_tabs);
    m_tabs->addTab(m_quantView, tr("Quantization"));
    m_tabs->addTab(m_valuesView, tr("Values"));
    m_tabs->addTab(m_heatMap, tr("Heat map"));
    m_formula = new QLabel(m_tabs);
    m_formula->setObjectName(QStringLiteral("formula"));
    m_formula->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_formula->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_formula->setWordWrap(true);
    m_formula->setMargin(8);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(mono.pointSizeF() * 1.15);
    m_formula->setFont(mono);
    m_tabs->addTab(m_formula, tr("q = round(r / scale) + zp"));
    // Blockwise tensors: one row per block, and the block scales as a heat map.
    m_blockView = new QTableView(m_tabs);
    m_blockView->setModel(m_blocks);
    m_blockView->verticalHeader()->hide();
    m_blockView->verticalHeader()->setDefaultSectionSize(20);
    m_blockView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_blockScales = new HeatMapWidget(m_tabs);
    m_tabs->addTab(m_blockView, tr("Blocks"));
    m_tabs->addTab(m_blockScales, tr("Block scales"));
    lowerBox->addWidget(m_tabs, 1);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    box->addWidget(split);
    connect(m_mode, &QComboBox::activated, this, &TensorPanel::applyMode);
    resetData(nullptr);
}

void TensorPanel::resetData(std::shared_ptr<const TensorSnapshot> snapshot) {
    m_snapshot = std::move(snapshot);
    m_model->resetData(m_snapshot);
    m_quant->resetData(m_snapshot);
    m_blocks->resetData(m_snapshot);
    m_blockScales->resetBlockScales(m_snapshot);
    const bool blockwise = m_snapshot && m_snapshot->blocks;
    m_tabs->setTabVisible(int(BlocksTab), blockwise);
    m_tabs->setTabVisible(int(BlockScalesTab), blockwise);
    m_tree->expandAll();
    const bool quantized = m_snapshot && (m_snapshot->info().quant.isQuantized() || blockwise) && !m_snapshot->fromSamples;
    m_mode->setEnabled(quantized);
    if (!quantized) m_mode->setCurrentIndex(0);
    if (m_snapshot && m_snapshot->example)
        m_formula->setText(tr("One value of this tensor (the largest |r|) quantized and back:\n\n") +
                           QString::fromStdString(lab::formatQuantExample(*m_snapshot->example)));
    else
        m_formula->setText(m_snapshot ? tr("This tensor is not quantized (or has no values here): select a quantized tensor with "
                                           "values, e.g. a weight of an int8 model, to see q = round(r / scale) + zero_point worked out.")
                                      : QString());
    applyMode();
}

QString TensorPanel::formulaText() const { return m_formula->text(); }

void TensorPanel::applyMode() {
    const auto mode = m_mode->currentIndex() == 1 ? TensorValuesModel::Mode::Raw : TensorValuesModel::Mode::Dequantized;
    m_values->resetData(m_snapshot, mode);
    m_heatMap->resetData(m_snapshot, mode);
}

void TensorPanel::showTab(Tab tab) { m_tabs->setCurrentIndex(int(tab)); }

} // namespace ql::ui
