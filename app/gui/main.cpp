// quantlab: the desktop application. quantlab [MODEL] [--screenshot PNG]
#include "MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("QuantLab"));
    QApplication::setOrganizationName(QStringLiteral("QuantLab"));
    QApplication::setApplicationVersion(QStringLiteral(QUANTLAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A desktop lab for TensorFlow Lite models"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("The .tflite file to open"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render the window to PNG and exit"),
                                  QStringLiteral("png"));
    parser.addOption(screenshot);
    parser.process(app);

    ql::ui::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty()) window.openModel(parser.positionalArguments().first());
    if (parser.isSet(screenshot)) {
        const QString out = parser.value(screenshot);
        QTimer::singleShot(200, &window, [&window, out] {
            const bool ok = window.grab().save(out);
            QApplication::exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}
