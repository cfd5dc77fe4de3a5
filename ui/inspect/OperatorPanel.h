#pragma once
// The operator dock: the properties tree and, for quantized operators, the requantization
// table (effective scale, multiplier, shift per channel).

#include "Snapshots.h"

#include <QWidget>

class QLabel;
class QTableView;
class QTreeView;

namespace ql::ui {

class OperatorModel;
class RequantModel;

class OperatorPanel : public QWidget {
    Q_OBJECT
public:
    explicit OperatorPanel(QWidget* parent = nullptr);
    void resetData(std::shared_ptr<const OperatorSnapshot> snapshot);
    OperatorModel* model() const { return m_model; }
    RequantModel* requantModel() const { return m_requant; }
    QString subgraphLinksText() const; // the links' text (empty: none)

signals:
    void tensorActivated(ql::SubgraphIndex subgraph, ql::TensorIndex tensor);
    // A link of a control-flow operator (WHILE, IF, CALL_ONCE) to a subgraph it runs.
    void subgraphActivated(ql::SubgraphIndex subgraph);

private:
    std::shared_ptr<const OperatorSnapshot> m_snapshot;
    OperatorModel* m_model;
    RequantModel* m_requant;
    QTreeView* m_tree;
    QLabel* m_formula;
    QLabel* m_subgraphLinks; // "cond: subgraph 1 (name)" links, control flow only
    QTableView* m_table;
};

} // namespace ql::ui
