#pragma once
// The workshop's two long jobs, as plain functions run inside JobRunner jobs (the UI never
// computes: they only call core/train, core/quantize and core/analysis and return immutable
// snapshots).
//  - train: loads Fashion-MNIST, trains the workshop CNN epoch by epoch, appends each epoch's
//    loss and train/test accuracy to a TrainLog the page polls for its live plot, and writes
//    the float model atomically; a cancelled run writes nothing.
//  - compare: the all-modes accuracy table (analysis::evaluateAllModes) and the int8 model's
//    mistakes next to the float model's answers (analysis::comparePredictions).

#include "analysis/Evaluate.h"
#include "analysis/Predictions.h"
#include "model/Model.h"
#include "util/Progress.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ql::ui::workshop {

struct EpochPoint {
    int epoch = 0;
    double loss = 0, trainAccuracy = 0, testAccuracy = 0, seconds = 0;
};

// Running figures every few dozen batches: x = epochs done so far (0.5 = half of the first).
struct BatchPoint {
    double epochs = 0, loss = 0, trainAccuracy = 0;
};

// Written by the training job, read by the GUI thread (copy under the lock).
class TrainLog {
public:
    void add(const EpochPoint& p) {
        std::lock_guard lock(m_mutex);
        m_points.push_back(p);
    }
    void addBatch(const BatchPoint& p) {
        std::lock_guard lock(m_mutex);
        m_batches.push_back(p);
    }
    std::vector<EpochPoint> points() const {
        std::lock_guard lock(m_mutex);
        return m_points;
    }
    std::vector<BatchPoint> batches() const {
        std::lock_guard lock(m_mutex);
        return m_batches;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<EpochPoint> m_points;
    std::vector<BatchPoint> m_batches;
};

struct TrainRequest {
    std::string dataDir;      // Debian's dataset-fashion-mnist folder
    std::string outPath;      // the .tflite written at the end
    int epochs = 3;
    uint64_t seed = 1;
    int64_t stepsPerEpoch = 0; // 0: whole epochs
    int reportEvery = 32;      // batches between two running points of the plot
};

struct TrainOutcome {
    std::vector<EpochPoint> epochs;
    std::string outPath;      // written (empty on error)
    std::shared_ptr<const Model> model; // read back from outPath
    std::string error;
};

// Null when cancelled (nothing written).
std::shared_ptr<const TrainOutcome> runTraining(const TrainRequest& request, std::shared_ptr<TrainLog> log,
                                                const Progress& progress);

struct CompareRequest {
    std::shared_ptr<const Model> floatModel;
    std::string evalSpec, calibSpec;   // data source specs (SRC)
    size_t maxEvalSamples = 0;         // 0: all
    size_t maxCalibSamples = 0;
    size_t maxMistakes = 48;
};

struct CompareOutcome {
    analysis::AllModesResult modes;
    analysis::PredictionSummary predictions; // float vs int8 (Mode::Int8, same calibration data)
    std::vector<std::string> labels;         // class names from the model's metadata (may be empty)
    std::string error;                       // the whole job failed
    std::string mistakesError;               // only the mistakes part failed
};

// Null when cancelled.
std::shared_ptr<const CompareOutcome> runComparison(const CompareRequest& request, const Progress& progress);

// The bundled demo model and its labelled sample copied out of the Qt resources into the cache
// folder (the reader maps files). Empty strings when a copy fails.
struct DemoFiles {
    std::string model, sampleImages;
};
DemoFiles demoFiles();

} // namespace ql::ui::workshop
