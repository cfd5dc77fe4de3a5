#pragma once
// Which layers cost the most when quantized. For every quantizable operator
// of a float model (one the mode quantizes, except those that only move or select values and
// reuse their input's parameters: RESHAPE, PAD, MAX_POOL_2D, SPLIT, ...; in dynamic mode the
// operators with hybrid weights):
//   (a) "only this layer quantized": every other operator kept float (value movers too), and
//   (b) "all but this layer quantized": this operator kept float, the rest quantized,
// each measured on the same samples against the float model: output SQNR (ErrorMetrics.h;
// per graph output pooled over samples, the figure is the worst output) and, when every sample
// has a label, top-1 accuracy of output 0 (argmax over the last dimension). The ranking sorts
// by (a): the layer whose quantization alone does the most damage comes first.
//
// The suggested keep-float list is a greedy forward selection: start from the fully quantized
// model; at each step measure the moves with the list chosen so far (step 1 reuses the (b)
// measurements): one more candidate float (the best `greedyWidth` remaining by their last
// measurement), and, when none of those meets the target, groups (a sensitive operator with
// the other side of one of its activation tensors: a tensor stays int8 while its producer or
// any consumer is quantized). A
// move that meets the target with the fewest operators wins, else the best gain per operator;
// a step is kept only when it strictly improves the measured target (SQNR, or accuracy with
// labels; ties do not count); stop as soon as the target is met or no move improves. With SQNR the target is a floor in dB; with accuracy it is the largest
// allowed drop below the float model's accuracy.
//
// Mode int8 with int16Moves: every move exists twice, the operator(s) kept float or given int16
// activations (QuantizeOptions::int16: TFLite's int16x8 kernels inside the int8 model), for the
// operators with an int16x8 kernel. Both leave the operator's multiply-accumulates out of int8,
// so moves are compared by gain per MAC left out of int8 (operators without MACs cost a floor
// of 0.1 % of the model's MACs): a move that meets the target with the fewest MACs outside int8
// wins, else the best gain per MAC. Round 1 also measures "all int8 but this layer int16" (c).
// Groups of int16 moves (an operator with the producer and consumers of one of its activation
// tensors, all int16) are tried with the float groups: an int8 tensor between two int16
// operators keeps the int8 grid's error.
//
// Cost: calibration runs once (its statistics feed every quantizeModel call), the float model
// runs once per sample (outputs cached), and the measurements of one round run in parallel,
// one single-threaded interpreter each (threads workers).
//
// Operators are named in the keep-float list by the name of an output tensor, which is how
// QuantizeOptions::keepFloat selects one operator (IntegerPass / WeightPasses match the
// operator type name or the name of any of its outputs). When no output name selects the
// operator alone in the model (empty, shared by another operator's output, or equal to an
// operator type name), the measurement uses a renamed copy and the layer is flagged
// `nameAmbiguous`: pasting that name into `quantize --keep-float` would select more.

#include "data/DataSource.h"
#include "model/Model.h"
#include "runtime/Target.h"
#include "quantize/QuantizeOptions.h"
#include "util/Indices.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ql::analysis {

enum class SensitivityMetric { Sqnr, Accuracy };

struct SensitivityOptions {
    // mode int8, int16x8 or dynamic (int8-only admits no float operator, float16/none have no
    // per-layer choice); calibrator, perTensor, dynamicMinElements and biasCorrection (applied to
    // every model measured, on the calibration samples) are honoured.
    // quantize.keepFloat must be empty (the search decides it).
    quantize::QuantizeOptions quantize;
    // Ranking and greedy metric. Accuracy needs a label for every sample of the data.
    SensitivityMetric metric = SensitivityMetric::Sqnr;
    std::optional<double> targetSqnrDb;   // greedy target with Sqnr: worst-output SQNR >= this
    std::optional<double> targetDrop;     // greedy target with Accuracy: float acc - acc <= this (0.01 = 1 point)
    size_t greedyWidth = 8;               // candidates re-measured per greedy step (0: all)
    size_t maxFloatLayers = 10;           // greedy stops after this many (0: no limit)
    // Group moves per greedy step (when no single operator meets the target): for this many of
    // the most sensitive operators by (a) not yet float, the operator with the producer and
    // consumers of each of its activation tensors; scored by gain per operator. 0: singles only.
    size_t groupMoves = 4;
    bool int16Moves = true;               // mode int8: also try int16 activations per operator
    // Largest share of the model's MACs the list may leave out of int8 (float or int16 operators);
    // moves beyond it are not tried. 1: no limit.
    double maxMacShare = 1.0;
    int threads = 2;                      // parallel measurements (each interpreter uses 1 thread)
    Target runtimeTarget = defaultTarget(); // the runtime the quantized models' results reproduce
};

struct Measurement {
    double sqnrDb = std::numeric_limits<double>::infinity();  // worst graph output
    std::vector<double> outputSqnrDb;                         // per graph output
    double cosine = 1;                                         // worst graph output
    double accuracy = std::numeric_limits<double>::quiet_NaN(); // top-1, NaN without labels
};

struct LayerSensitivity {
    OperatorIndex op;          // in the model after constant DEQUANTIZE folding (as quantize sees it)
    std::string type;          // "CONV_2D"
    std::string name;          // keep-float name (an output tensor's name)
    bool nameAmbiguous = false;
    Measurement onlyThis;      // (a)
    Measurement allButThis;    // (b)
    bool int16Capable = false; // has an int16x8 kernel and the search may move it to int16
    Measurement int16This;     // (c): all int8 but this layer int16 (when int16Capable)
    uint64_t macs = 0;
};

struct GreedyStep {
    OperatorIndex op;          // kept float at this step (the first of `ops`)
    std::string name;
    std::vector<OperatorIndex> ops;   // every operator kept float at this step (group moves: > 1)
    std::vector<std::string> names;
    bool int16 = false;        // the step's operators got int16 activations (else: kept float)
    Measurement after;         // the model with the list so far kept float
    size_t candidatesMeasured = 0;
    bool targetMet = false;
};

struct SensitivityResult {
    SensitivityMetric metric = SensitivityMetric::Sqnr;
    double floatAccuracy = std::numeric_limits<double>::quiet_NaN();
    Measurement allQuantized;               // nothing kept float
    std::vector<LayerSensitivity> layers;   // ranked: most sensitive first
    bool hasTarget = false;
    bool targetMet = false;                 // with the suggested list (or with none)
    std::vector<GreedyStep> steps;          // in order; empty when all-quantized meets the target
    // The suggestion: the list of the first step that meets the target, else the best list
    // measured (highest accuracy with that metric, else SQNR), which may be a move not kept.
    std::vector<std::string> keepFloat;
    std::vector<std::string> int16;         // operators given int16 activations (QuantizeOptions::int16)
    Measurement suggested;                  // the measurement of keepFloat + int16
    uint64_t totalMacs = 0;                 // of the model's operators
    double macShareOutsideInt8 = 0;         // of the suggestion: MACs of keepFloat + int16 / totalMacs
    size_t samples = 0, calibrationSamples = 0;
    size_t measurements = 0;                // quantized models built and run
    double calibrationSeconds = 0, referenceSeconds = 0, seconds = 0;
};

// Whether `m` meets the options' target (false when no target is set).
bool meetsTarget(const SensitivityOptions& options, const Measurement& m, double floatAccuracy);

// The whole analysis. `calibration` and `data` yield samples typed for `model`'s inputs.
// Errors: unsupported mode, no quantizable operator, data/labels problems, "cancelled".
// Progress stages carry their count: "calibrating: 40 of 100", "running the float model: 3 of 8",
// "measuring layers: 12 of 41", "choosing layers to keep float: 2 of 8" (one per greedy round).
Result<SensitivityResult> runSensitivity(std::shared_ptr<const Model> model, const data::DataSource& calibration,
                                         const data::DataSource& data, const SensitivityOptions& options,
                                         const Progress& progress = {});

} // namespace ql::analysis
