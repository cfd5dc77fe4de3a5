#pragma once
// The sensitivity ranking of the lab (core/analysis/Sensitivity.h): one row per quantizable
// layer, most sensitive first, with (a) the output SQNR when only this layer is quantized,
// (b) the output SQNR when all but this layer are quantized, what keeping it float wins back
// ((b) minus the fully quantized model's SQNR) and its greedy keep-float step. The first column
// is a check box: checked while the layer's name is in the quantize panel's keep-float list.
//
// resetData(snapshot) replaces the ranking; setKeptFloat(names) mirrors the quantize panel's
// list (view state, not a result). Ticking the box does not change the model: it asks
// (keepFloatToggled), and the panel's list comes back through setKeptFloat.

#include "lab/SensitivityRun.h"

#include <QAbstractTableModel>
#include <QSet>
#include <QStringList>
#include <memory>

namespace ql::ui {

class SensitivityModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Keep, Rank, Index, Op, OnlyThis, AllButThis, Gain, Greedy, Name, ColumnCount };
    enum Roles {
        SortRole = Qt::UserRole + 1,
        LayerRole,    // index into result.layers (= rank - 1)
        OperatorRole, // operator index in the float model (-1: not found)
        NameRole      // the keep-float name
    };

    explicit SensitivityModel(QObject* parent = nullptr);
    void resetData(std::shared_ptr<const SensitivityRun> run);
    std::shared_ptr<const SensitivityRun> run() const { return m_run; }
    void setKeptFloat(const QStringList& names);
    bool isKeptFloat(int layer) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    void keepFloatToggled(int layer, bool keep);

private:
    std::shared_ptr<const SensitivityRun> m_run;
    QSet<QString> m_kept;
};

} // namespace ql::ui
