#include "plots/PlotExport.h"

#include "io/AtomicFile.h"

#include <QBuffer>
#include <QFileDialog>
#include <QMessageBox>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <span>

namespace ql::ui {

QString exportPlot(QCustomPlot* plot, const QString& path) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    const int w = plot->width(), h = plot->height();
    const QString suffix = path.section(QLatin1Char('.'), -1).toLower();
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        QCPPainter painter(&svg);
        plot->toPainter(&painter, w, h);
    } else if (suffix == QLatin1String("pdf")) {
        QPdfWriter pdf(&buffer);
        pdf.setPageSize(QPageSize(QSizeF(w, h), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setResolution(72);
        QCPPainter painter(&pdf);
        plot->toPainter(&painter, w, h);
    } else if (suffix == QLatin1String("png")) {
        if (!plot->toPixmap(w * 2, h * 2, 1.0).save(&buffer, "PNG")) return QStringLiteral("PNG encoding failed");
    } else {
        return QStringLiteral("unknown format '%1' (use .png, .svg or .pdf)").arg(suffix);
    }
    buffer.close();
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.constData());
    auto status = writeFileAtomically(path.toStdString(), std::span<const uint8_t>(data, size_t(bytes.size())));
    return status ? QString() : QString::fromStdString(status.message());
}

void exportPlotInteractively(QCustomPlot* plot, const QString& suggestedName) {
    const QString path = QFileDialog::getSaveFileName(plot, QObject::tr("Export plot"), suggestedName,
                                                      QObject::tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf)"));
    if (path.isEmpty()) return;
    const QString error = exportPlot(plot, path);
    if (!error.isEmpty()) QMessageBox::warning(plot, QObject::tr("Export failed"), error);
}

} // namespace ql::ui
