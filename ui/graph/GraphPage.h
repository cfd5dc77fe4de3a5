#pragma once
// The graph page: a toolbar (subgraph, colour overlay, constants, collapse/expand, search,
// fit, export), the legend and the graph view. Layout of the chosen subgraph and scope state
// runs in a job (JobRunner); big subgraphs start collapsed by name scope.

#include "JobRunner.h"
#include "Snapshots.h"
#include "graph/GraphPainter.h"

#include <QWidget>

#include <set>

class QComboBox;
class QLabel;
class QLineEdit;
class QToolBar;
class QAction;

namespace ql::ui {

class GraphView;

class GraphPage : public QWidget {
    Q_OBJECT
public:
    // Subgraphs with more operators than this start collapsed to fit.
    static constexpr size_t kDefaultExpandedLimit = 3000;
    size_t expandedLimit() const { return m_expandedLimit; }
    void setExpandedLimit(size_t limit) { m_expandedLimit = limit; }

    explicit GraphPage(QWidget* parent = nullptr);

    // Shows a newly loaded model; `initial` is the layout of subgraph 0 made by the load job.
    void setModel(std::shared_ptr<const Model> model, std::shared_ptr<const GraphSnapshot> initial,
                  std::set<std::string> collapsed);
    void clear();
    GraphView* view() const { return m_view; }
    JobRunner* jobs() const { return m_jobs; }
    SubgraphIndex subgraph() const { return m_subgraph; }
    // Shows another subgraph (the subgraph box; a WHILE/IF link) and emits subgraphChanged.
    void showSubgraph(SubgraphIndex subgraph);
    void focusSearch();
    void exportImage(const QString& path); // .png or .svg by suffix
    // Per-operator values of the current subgraph (NaN = none) shown by the "value" overlay.
    void setOperatorValues(std::shared_ptr<const std::vector<double>> values, const QString& label);
    void selectOperator(OperatorIndex op);
    void setOverlay(Overlay overlay); // also the colour box's choice
    Overlay overlay() const;
    QString legendText() const;

    static layout::ModelGraphOptions graphOptionsFor(const QWidget* w); // font metrics -> sizes

protected:
    void changeEvent(QEvent* e) override; // the legend's colours follow the theme

signals:
    void operatorSelected(ql::SubgraphIndex subgraph, ql::OperatorIndex op);
    void tensorSelected(ql::SubgraphIndex subgraph, ql::TensorIndex tensor);
    void graphShown(); // a snapshot was painted for the first time
    void subgraphChanged(ql::SubgraphIndex subgraph); // the user chose another subgraph
    void message(const QString& text);

private:
    void relayout();
    void onSnapshot(std::shared_ptr<const GraphSnapshot> snapshot);
    void onSearch();
    void onSearchNext();
    void onNodeClicked(int node);
    void onEdgeClicked(int edge);
    void onNodeContextMenu(int node, QPoint globalPos);
    void onExport();
    void updateLegend();

    std::shared_ptr<const Model> m_model;
    SubgraphIndex m_subgraph{0};
    std::set<std::string> m_collapsed;
    bool m_showConstants = false;
    std::vector<int> m_hits;
    size_t m_hitCursor = 0;
    QString m_valueLabel;
    size_t m_expandedLimit = kDefaultExpandedLimit;

    JobRunner* m_jobs;
    GraphView* m_view;
    QToolBar* m_toolbar;
    QComboBox* m_subgraphBox;
    QComboBox* m_overlayBox;
    QLineEdit* m_search;
    QLabel* m_searchInfo;
    QLabel* m_legend;
    QLabel* m_note;
    QAction* m_constantsAction;
    QAction* m_minimapAction = nullptr;
};

} // namespace ql::ui
