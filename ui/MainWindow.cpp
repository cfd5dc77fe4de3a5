#include "MainWindow.h"

#include "model/ModelStats.h"
#include "tflite/ModelReader.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QStatusBar>

namespace ql::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("QuantLab"));
    resize(1200, 800);
    m_summary = new QPlainTextEdit(this);
    m_summary->setReadOnly(true);
    setCentralWidget(m_summary);
    m_status = new QLabel(this);
    statusBar()->addWidget(m_status, 1);
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open..."), this, &MainWindow::onOpen);
    open->setShortcut(QKeySequence::Open);
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
}

void MainWindow::onOpen() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a TensorFlow Lite model"), QString(),
                                                      tr("TensorFlow Lite models (*.tflite);;All files (*)"));
    if (!path.isEmpty()) openModel(path);
}

void MainWindow::openModel(const QString& path) {
    auto result = readModelFile(path.toStdString());
    if (!result) {
        m_summary->setPlainText(QString::fromStdString(result.message()));
        m_status->setText(tr("Could not open %1").arg(QFileInfo(path).fileName()));
        return;
    }
    showModel(result.value());
}

void MainWindow::showModel(std::shared_ptr<const Model> model) {
    m_model = std::move(model);
    const ModelStats s = computeStats(*m_model);
    QString text = QString::fromStdString(m_model->sourcePath) + "\n";
    for (const auto& [name, count] : s.operatorsByType) text += QStringLiteral("  %1 x%2\n").arg(QString::fromStdString(name)).arg(count);
    for (const Diagnostic& d : m_model->diagnostics) text += QString::fromStdString(d.message) + "\n";
    m_summary->setPlainText(text);
    m_status->setText(tr("%1 operators, %2 tensors, %3 parameters").arg(s.operatorCount).arg(s.tensorCount).arg(s.parameterCount));
    setWindowTitle(QStringLiteral("%1 - QuantLab").arg(QFileInfo(QString::fromStdString(m_model->sourcePath)).fileName()));
    emit modelLoaded();
}

} // namespace ql::ui
