#include "workshop/MistakesGrid.h"

#include <QGridLayout>
#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QScrollBar>
#include <QVBoxLayout>
#include <algorithm>

namespace ql::ui::workshop {

namespace {
constexpr int kScale = 2; // 28x28 -> 56x56: pixels visible, several rows in the page's lower half
constexpr int kCellWidth = 104; // the caption's width (the image is narrower)
} // namespace

void MistakesGrid::setColumns(int columns) {
    m_columns = columns;
    placeTiles();
}

void MistakesGrid::resizeEvent(QResizeEvent* event) {
    QScrollArea::resizeEvent(event);
    placeTiles();
}

void MistakesGrid::placeTiles() {
    const int spacing = m_grid->spacing();
    const int fit = std::max(1, (viewport()->width() - 12 + spacing) / (kCellWidth + 4 + spacing));
    const int columns = m_columns > 0 ? m_columns : fit;
    if (columns == m_shownColumns && m_grid->count() == int(m_cells.size())) return;
    m_shownColumns = columns;
    for (QWidget* c : m_cells)
        m_grid->removeWidget(c);
    for (size_t i = 0; i < m_cells.size(); ++i)
        m_grid->addWidget(m_cells[i], int(i) / columns, int(i) % columns,
                          Qt::AlignTop | Qt::AlignLeft);
}

MistakesGrid::MistakesGrid(QWidget* parent) : QScrollArea(parent) {
    m_content = new QWidget(this);
    auto* outer = new QVBoxLayout(m_content);
    m_summary = new QLabel(tr("Run \"Compare modes\" to see the images the int8 model gets wrong."),
                           m_content);
    m_summary->setWordWrap(true);
    outer->addWidget(m_summary);
    m_grid = new QGridLayout;
    m_grid->setSpacing(6);
    outer->addLayout(m_grid);
    outer->addStretch(1);
    setWidget(m_content);
    setWidgetResizable(true);
}

QString MistakesGrid::className(int index) const {
    if (index < 0) return QStringLiteral("?");
    if (m_data && size_t(index) < m_data->labels.size())
        return QString::fromStdString(m_data->labels[size_t(index)]);
    return QStringLiteral("class %1").arg(index);
}

void MistakesGrid::resetData(std::shared_ptr<const CompareOutcome> snapshot) {
    m_data = std::move(snapshot);
    while (QLayoutItem* item = m_grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_cells.clear();
    m_tiles = 0;
    if (!m_data) return;
    if (!m_data->mistakesError.empty()) {
        m_summary->setText(
            tr("Mistakes not available: %1").arg(QString::fromStdString(m_data->mistakesError)));
        return;
    }
    const analysis::PredictionSummary& p = m_data->predictions;
    m_summary->setText(
        tr("int8 gets %1 of %2 labelled images wrong (float: %3); %4 of them the float model gets "
           "right (shown first, float answer highlighted); %5 answers differ from the float "
           "model's. "
           "Showing %6.")
            .arg(p.mistakesTotal)
            .arg(p.labelled)
            .arg(p.labelled - p.floatCorrect)
            .arg(p.lostByQuantization)
            .arg(p.disagreements)
            .arg(p.mistakes.size()));
    const QColor warn = palette().color(QPalette::Highlight);
    for (const analysis::SamplePrediction& s : p.mistakes) {
        auto* tile = new QLabel(m_content);
        if (!s.pixels.empty()) {
            QImage img(s.pixels.data(), s.width, s.height, s.width, QImage::Format_Grayscale8);
            tile->setPixmap(
                QPixmap::fromImage(img.scaled(s.width * kScale, s.height * kScale,
                                              Qt::IgnoreAspectRatio, Qt::FastTransformation)));
        }
        tile->setAlignment(Qt::AlignCenter);
        auto* text = new QLabel(m_content);
        const bool floatRight = s.floatClass == s.label;
        text->setText(tr("<b>int8:</b> %1<br>%2float:</b> %3<br><span style='color:gray'>true: %4 "
                         "(#%5)</span>")
                          .arg(className(s.quantClass).toHtmlEscaped())
                          .arg(floatRight ? QStringLiteral("<b style='color:%1'>").arg(warn.name())
                                          : QStringLiteral("<b>"))
                          .arg(className(s.floatClass).toHtmlEscaped())
                          .arg(className(s.label).toHtmlEscaped())
                          .arg(s.index));
        text->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
        text->setFixedWidth(kCellWidth);
        text->setWordWrap(true);
        auto* cell = new QWidget(m_content);
        auto* v = new QVBoxLayout(cell);
        v->setContentsMargins(2, 2, 2, 2);
        v->setSpacing(2);
        v->addWidget(tile);
        v->addWidget(text);
        cell->setToolTip(floatRight ? tr("The float model gets this one right: int8 lost it")
                                    : tr("The float model gets this one wrong too"));
        m_cells.push_back(cell);
        ++m_tiles;
    }
    m_shownColumns = 0; // place them all
    placeTiles();
}

} // namespace ql::ui::workshop
