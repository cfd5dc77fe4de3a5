#include "LoadDataDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace ql::ui {

LoadDataDialog::LoadDataDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Load calibration data"));
    auto* form = new QFormLayout(this);
    m_spec = new QLineEdit(this);
    m_spec->setPlaceholderText(tr("data.npy, data.npz, *-idx3-ubyte[.gz], an image folder, or random:N[:SEED]"));
    m_spec->setMinimumWidth(420);
    auto* file = new QPushButton(tr("File..."), this);
    auto* folder = new QPushButton(tr("Folder..."), this);
    auto* row = new QHBoxLayout;
    row->addWidget(m_spec, 1);
    row->addWidget(file);
    row->addWidget(folder);
    form->addRow(tr("Data"), row);
    m_calibrator = new QComboBox(this);
    m_calibrator->setEditable(true); // percentile:P with any P
    m_calibrator->addItems({QStringLiteral("minmax"), QStringLiteral("percentile:99.99"), QStringLiteral("percentile:99.9"),
                            QStringLiteral("mse"), QStringLiteral("kl")});
    form->addRow(tr("Calibrator"), m_calibrator);
    m_samples = new QSpinBox(this);
    m_samples->setRange(0, 1000000);
    m_samples->setValue(100);
    m_samples->setSpecialValueText(tr("all"));
    form->addRow(tr("At most"), m_samples);
    auto* note = new QLabel(tr("The float model runs over the samples in the background; the histograms then show every "
                               "activation with the calibrators' ranges."),
                            this);
    note->setWordWrap(true);
    form->addRow(note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(file, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Calibration data"), QString(),
                                                          tr("Data (*.npy *.npz *idx3-ubyte *idx3-ubyte.gz);;All files (*)"));
        if (!path.isEmpty()) m_spec->setText(path);
    });
    connect(folder, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Folder of images"));
        if (!path.isEmpty()) m_spec->setText(path);
    });
}

QString LoadDataDialog::spec() const { return m_spec->text().trimmed(); }
QString LoadDataDialog::calibrator() const { return m_calibrator->currentText().trimmed(); }
size_t LoadDataDialog::maxSamples() const { return size_t(m_samples->value()); }
void LoadDataDialog::setSpec(const QString& spec) { m_spec->setText(spec); }

} // namespace ql::ui
