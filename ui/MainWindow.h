#pragma once
// The main window. Composed of pages and docks; it holds the current model snapshot and hands
// it to the views. Loading runs off the GUI thread.

#include "model/Model.h"

#include <QMainWindow>
#include <memory>

class QLabel;
class QPlainTextEdit;

namespace ql::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Opens a model; errors are shown in the window, never thrown.
    void openModel(const QString& path);
    std::shared_ptr<const Model> model() const { return m_model; }

signals:
    void modelLoaded();

private:
    void onOpen();
    void showModel(std::shared_ptr<const Model> model);

    std::shared_ptr<const Model> m_model;
    QPlainTextEdit* m_summary = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace ql::ui
