#include "inspect/Format.h"

#include <QLocale>

#include <cmath>

namespace ql::ui {

QString formatNumber(double v) {
    if (std::isnan(v)) return QStringLiteral("NaN");
    if (std::isinf(v)) return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(v, 'g', 6);
}

QString formatCount(uint64_t n) { return QLocale(QLocale::English).toString(qulonglong(n)); }

QString formatBytes(uint64_t b) {
    if (b < 1024) return QStringLiteral("%1 B").arg(b);
    if (b < 1024 * 1024) return QStringLiteral("%1 KB").arg(double(b) / 1024.0, 0, 'f', 1);
    return QStringLiteral("%1 MB").arg(double(b) / (1024.0 * 1024.0), 0, 'f', 2);
}

QString formatShape(const std::vector<int32_t>& shape) {
    QStringList parts;
    for (int32_t d : shape) parts << QString::number(d);
    return QStringLiteral("[%1]").arg(parts.join(QStringLiteral(", ")));
}

QString describeTensorShort(const Tensor& t) {
    return QStringLiteral("%1  %2 %3").arg(QString::fromStdString(t.name), formatShape(t.shape), QString::fromLatin1(typeName(t.type).data()));
}

} // namespace ql::ui
