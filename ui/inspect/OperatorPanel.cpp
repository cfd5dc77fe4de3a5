#include "inspect/OperatorPanel.h"

#include "inspect/OperatorModel.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

namespace ql::ui {

OperatorPanel::OperatorPanel(QWidget* parent)
    : QWidget(parent), m_model(new OperatorModel(this)), m_requant(new RequantModel(this)) {
    auto* box = new QVBoxLayout(this);
    box->setContentsMargins(2, 2, 2, 2);
    m_subgraphLinks = new QLabel(this);
    m_subgraphLinks->setObjectName(QStringLiteral("subgraphLinks"));
    m_subgraphLinks->setTextFormat(Qt::RichText);
    m_subgraphLinks->setWordWrap(true);
    box->addWidget(m_subgraphLinks);
    connect(m_subgraphLinks, &QLabel::linkActivated, this, [this](const QString& link) {
        bool ok = false;
        const int s = link.section(QLatin1Char(':'), 1).toInt(&ok); // "subgraph:N"
        if (ok && s >= 0) emit subgraphActivated(SubgraphIndex{int32_t(s)});
    });
    auto* split = new QSplitter(Qt::Vertical, this);
    m_tree = new QTreeView(split);
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    auto* bottom = new QWidget(split);
    auto* bottomBox = new QVBoxLayout(bottom);
    bottomBox->setContentsMargins(0, 0, 0, 0);
    m_formula = new QLabel(bottom);
    m_formula->setWordWrap(true);
    m_table = new QTableView(bottom);
    m_table->setModel(m_requant);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(20);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    bottomBox->addWidget(m_formula);
    bottomBox->addWidget(m_table, 1);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({300, 260}); // the requantization table gets room for several channels
    box->addWidget(split);
    connect(m_tree, &QTreeView::activated, this, [this](const QModelIndex& index) {
        const int t = index.data(OperatorModel::TensorRole).toInt();
        if (t >= 0 && m_snapshot) emit tensorActivated(m_snapshot->subgraph, TensorIndex{t});
    });
    resetData(nullptr);
}

void OperatorPanel::resetData(std::shared_ptr<const OperatorSnapshot> snapshot) {
    m_snapshot = snapshot;
    m_model->resetData(snapshot);
    m_requant->resetData(snapshot);
    m_tree->expandAll();
    if (!snapshot) m_formula->setText(tr("Click an operator in the graph."));
    else if (snapshot->requant.rows.empty())
        m_formula->setText(tr("No requantization: the operator is not integer-quantized."));
    else
        m_formula->setText(tr("<b>Requantization</b>: effective scale M = %1 = multiplier · 2<sup>shift − 31</sup> "
                              "(quantizeMultiplier, TFLite's convention)")
                               .arg(QString::fromStdString(snapshot->requant.formula)));
    m_table->setVisible(snapshot && !snapshot->requant.rows.empty());
    QStringList links;
    if (snapshot)
        for (const auto& [option, sub] : snapshot->calledSubgraphs) {
            const std::string& name = snapshot->model->subgraphs[sub.index()].name;
            const QString role = QString::fromStdString(option).remove(QStringLiteral("_subgraph_index"));
            links << tr("%1: <a href=\"subgraph:%2\">subgraph %2%3</a>")
                         .arg(role)
                         .arg(sub.value)
                         .arg(name.empty() ? QString() : QStringLiteral(" (%1)").arg(QString::fromStdString(name).toHtmlEscaped()));
        }
    m_subgraphLinks->setText(links.isEmpty() ? QString() : tr("Runs ") + links.join(QStringLiteral(" · ")));
    m_subgraphLinks->setVisible(!links.isEmpty());
}

QString OperatorPanel::subgraphLinksText() const { return m_subgraphLinks->text(); }

} // namespace ql::ui
