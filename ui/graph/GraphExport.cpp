#include "graph/GraphExport.h"

#include "Theme.h"
#include "io/AtomicFile.h"

#include <QBuffer>
#include <QImage>
#include <QSvgGenerator>

#include <algorithm>
#include <span>

namespace ql::ui {
namespace {

constexpr double kMargin = 20;

QString writeBytes(const QString& path, const QByteArray& bytes) {
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.constData());
    auto status = writeFileAtomically(path.toStdString(), std::span<const uint8_t>(data, size_t(bytes.size())));
    return status ? QString() : QString::fromStdString(status.message());
}

} // namespace

QString exportGraphPng(const GraphPainter& painter, const PaintState& state, const QString& path) {
    const auto& l = painter.snapshot().scene->layout;
    const double side = std::max(l.width, l.height) + 2 * kMargin;
    const double scale = std::min(2.0, 16384.0 / side);
    QImage image(QSize(int((l.width + 2 * kMargin) * scale), int((l.height + 2 * kMargin) * scale)), QImage::Format_RGB32);
    if (image.isNull()) return QStringLiteral("the image is too large to allocate");
    image.fill(Theme::graph().background);
    {
        QPainter p(&image);
        p.scale(scale, scale);
        p.translate(kMargin, kMargin);
        painter.paint(p, QRectF(-kMargin, -kMargin, l.width + 2 * kMargin, l.height + 2 * kMargin), scale, state);
    }
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG")) return QStringLiteral("PNG encoding failed");
    return writeBytes(path, bytes);
}

QString exportGraphSvg(const GraphPainter& painter, const PaintState& state, const QString& path) {
    const auto& l = painter.snapshot().scene->layout;
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    const QSize size(int(l.width + 2 * kMargin), int(l.height + 2 * kMargin));
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(QStringLiteral("QuantLab graph"));
    {
        QPainter p(&svg);
        p.fillRect(QRect(QPoint(0, 0), size), Theme::graph().background);
        p.translate(kMargin, kMargin);
        painter.paint(p, QRectF(-kMargin, -kMargin, size.width(), size.height()), 1.0, state);
    }
    return writeBytes(path, bytes);
}

} // namespace ql::ui
