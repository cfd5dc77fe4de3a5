#include "workshop/WorkshopJobs.h"

#include "quantize/QuantizeJob.h"
#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"
#include "train/Export.h"
#include "train/Trainer.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <chrono>
#include <filesystem>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initWorkshopResources() { Q_INIT_RESOURCE(resources); }

namespace ql::ui::workshop {

std::shared_ptr<const TrainOutcome> runTraining(const TrainRequest& request, std::shared_ptr<TrainLog> log,
                                                const Progress& progress) {
    auto out = std::make_shared<TrainOutcome>();
    progress("loading Fashion-MNIST", 0.0);
    const train::Normalisation norm; // (p - 0) / 255, as the CLI
    auto data = train::loadFashionMnist(request.dataDir, norm);
    if (!data) {
        out->error = data.message();
        return out;
    }
    if (progress.cancelled()) return nullptr;
    train::Sequential net = train::fashionMnistNetwork(request.seed);
    train::TrainOptions opt;
    opt.seed = request.seed;
    opt.stepsPerEpoch = request.stepsPerEpoch;
    opt.reportEvery = request.reportEvery;
    if (log)
        opt.onBatches = [log](const train::BatchReport& r) {
            log->addBatch({double(r.epoch - 1) + double(r.step) / double(std::max<int64_t>(1, r.steps)), r.loss, r.accuracy});
        };
    train::Trainer trainer(net, opt);
    for (int e = 0; e < request.epochs; ++e) {
        Progress epochProgress;
        epochProgress.cancel = progress.cancel;
        const std::string stage = "epoch " + std::to_string(e + 1) + " of " + std::to_string(request.epochs);
        epochProgress.report = [&](std::string_view, double f) { progress(stage, f); };
        const train::EpochStats s = trainer.trainEpoch(data->train, epochProgress);
        if (s.cancelled || progress.cancelled()) return nullptr;
        progress("testing epoch " + std::to_string(e + 1), 1.0);
        const auto t0 = std::chrono::steady_clock::now();
        EpochPoint p;
        p.epoch = s.epoch;
        p.loss = s.loss;
        p.trainAccuracy = s.trainAccuracy;
        p.testAccuracy = trainer.evaluate(data->test);
        p.seconds = s.seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        out->epochs.push_back(p);
        if (log) log->add(p);
        if (progress.cancelled()) return nullptr;
    }
    train::ExportInfo info;
    info.description = "trained in the QuantLab workshop: " + std::to_string(request.epochs) + " epoch(s), seed " +
                       std::to_string(request.seed);
    info.labels = train::fashionMnistLabels();
    info.normalisation = norm;
    if (progress.cancelled()) return nullptr; // a cancelled run leaves no file
    if (Status st = train::writeTrainedModel(net, info, request.outPath); !st) {
        out->error = request.outPath + ": " + st.message();
        return out;
    }
    auto model = readModelFile(request.outPath);
    if (!model) {
        out->error = request.outPath + ": " + model.message();
        return out;
    }
    out->model = model.value();
    out->outPath = request.outPath;
    return out;
}

std::shared_ptr<const CompareOutcome> runComparison(const CompareRequest& request, const Progress& progress) {
    auto out = std::make_shared<CompareOutcome>();
    if (!request.floatModel) {
        out->error = "no model";
        return out;
    }
    out->labels = modelLabels(*request.floatModel);
    // Two stages of the one progress bar: all modes (0 .. 0.8), int8 mistakes (0.8 .. 1).
    Progress modesProgress;
    modesProgress.cancel = progress.cancel;
    modesProgress.report = [&](std::string_view stage, double f) { progress(stage, 0.8 * f); };
    analysis::AllModesOptions o;
    o.calibSpec = request.calibSpec;
    o.calibData.maxSamples = request.maxCalibSamples;
    o.eval.dataSpec = request.evalSpec;
    o.eval.data.maxSamples = request.maxEvalSamples;
    auto modes = analysis::evaluateAllModes(request.floatModel, o, modesProgress);
    if (progress.cancelled()) return nullptr;
    if (!modes) {
        out->error = modes.message();
        return out;
    }
    out->modes = std::move(modes.value());

    quantize::QuantizeJobOptions qo;
    qo.quantize.mode = quantize::Mode::Int8;
    qo.calibSpec = request.calibSpec;
    qo.data.maxSamples = request.maxCalibSamples;
    Progress quiet;
    quiet.cancel = progress.cancel;
    quiet.report = [&](std::string_view, double f) { progress("quantizing int8 for the mistakes", 0.8 + 0.05 * f); };
    auto q = quantize::runQuantize(request.floatModel, qo, quiet);
    if (progress.cancelled()) return nullptr;
    if (!q) {
        out->mistakesError = "int8: " + q.message();
        return out;
    }
    auto int8 = std::make_shared<const Model>(std::move(q->result.model));
    Progress predict;
    predict.cancel = progress.cancel;
    predict.report = [&](std::string_view stage, double f) { progress(stage, 0.85 + 0.15 * f); };
    data::DataOptions evalData;
    evalData.maxSamples = request.maxEvalSamples;
    auto p = analysis::comparePredictions(request.floatModel, int8, request.evalSpec, evalData, request.maxMistakes,
                                          predict);
    if (progress.cancelled()) return nullptr;
    if (!p) out->mistakesError = p.message();
    else out->predictions = std::move(p.value());
    return out;
}

DemoFiles demoFiles() {
    initWorkshopResources();
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/demo");
    if (!QDir().mkpath(dir)) return {};
    const QStringList files = {QStringLiteral("models/fashion_mnist_demo.tflite"),
                               QStringLiteral("data/fashion-mnist-sample-images-idx3-ubyte.gz"),
                               QStringLiteral("data/fashion-mnist-sample-labels-idx1-ubyte.gz")};
    for (const QString& f : files) {
        QFile src(QStringLiteral(":/quantlab/") + f);
        if (!src.open(QIODevice::ReadOnly)) return {};
        const QByteArray bytes = src.readAll();
        const QString dst = dir + QLatin1Char('/') + f.section(QLatin1Char('/'), -1);
        QFile current(dst);
        if (current.open(QIODevice::ReadOnly) && current.readAll() == bytes) continue; // up to date
        current.close();
        QSaveFile save(dst); // atomic
        if (!save.open(QIODevice::WriteOnly) || save.write(bytes) != bytes.size() || !save.commit()) return {};
    }
    DemoFiles d;
    d.model = (dir + QStringLiteral("/fashion_mnist_demo.tflite")).toStdString();
    d.sampleImages = (dir + QStringLiteral("/fashion-mnist-sample-images-idx3-ubyte.gz")).toStdString();
    return d;
}

} // namespace ql::ui::workshop
