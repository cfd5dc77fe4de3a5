#include "TargetMenu.h"

#include "runtime/Target.h"

#include <QActionGroup>
#include <QLabel>
#include <iterator>

namespace ql::ui {
namespace {

constexpr Target kTargets[] = {Target::TfliteCpu, Target::TfliteReference, Target::TfliteMicro};

QString nameOf(Target t) {
    return QString::fromUtf8(targetName(t).data(), qsizetype(targetName(t).size()));
}

} // namespace

TargetMenu::TargetMenu(QLabel* status, QWidget* parent)
    : QMenu(tr("&Target"), parent), m_status(status) {
    setToolTipsVisible(true);
    auto* group = new QActionGroup(this);
    group->setExclusive(true);
    const Target current = defaultTarget();
    for (int i = 0; i < int(std::size(kTargets)); ++i) {
        const Target t = kTargets[i];
        QAction* a = addAction(nameOf(t));
        a->setCheckable(true);
        a->setChecked(t == current);
        a->setToolTip(
            QString::fromUtf8(targetDescription(t).data(), qsizetype(targetDescription(t).size())));
        a->setObjectName(QStringLiteral("target-") + nameOf(t));
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, i] { apply(i); });
    }
    if (m_status) {
        m_status->setText(tr("Target: %1").arg(nameOf(current)));
        m_status->setToolTip(tr("The runtime whose results runs reproduce (Target menu)"));
    }
}

void TargetMenu::apply(int index) {
    const Target t = kTargets[index];
    setDefaultTarget(t);
    if (m_status) m_status->setText(tr("Target: %1").arg(nameOf(t)));
    emit targetChanged(nameOf(t));
}

} // namespace ql::ui
