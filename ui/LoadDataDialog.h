#pragma once
// Asks for calibration data to run through the float model: a data source (a SRC:
// .npy/.npz, IDX, a folder of images, random:N[:SEED]), the calibrator whose choice the
// histograms draw, and how many samples to run at most.

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace ql::ui {

class LoadDataDialog : public QDialog {
    Q_OBJECT
public:
    explicit LoadDataDialog(QWidget* parent = nullptr);

    QString spec() const;
    QString calibrator() const;
    size_t maxSamples() const; // 0: all
    void setSpec(const QString& spec);

private:
    QLineEdit* m_spec;
    QComboBox* m_calibrator;
    QSpinBox* m_samples;
};

} // namespace ql::ui
