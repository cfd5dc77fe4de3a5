#pragma once
// The "Target" menu: which runtime the session's runs reproduce (runtime/Target.h). One
// exclusive choice for the whole application; it sets ql::setDefaultTarget, which every
// options struct of the engine starts from, so the lab, the compare view and the analysis
// jobs started afterwards run under it. The status label shows the current target.

#include <QMenu>

class QLabel;

namespace ql::ui {

class TargetMenu : public QMenu {
    Q_OBJECT
public:
    // `status` (may be null) shows "Target: tflite-cpu" and follows the choice.
    TargetMenu(QLabel* status, QWidget* parent = nullptr);

signals:
    void targetChanged(const QString& name);

private:
    void apply(int index);

    QLabel* m_status;
};

} // namespace ql::ui
