#pragma once
// What the quantizer is asked to do: the mode (none, dynamic, float16, int8, ...), the calibrator, the
// weight granularity, the ops kept in float and the type of the graph's inputs and outputs.

#include "calib/Calibrator.h"
#include "util/Result.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ql::quantize {

enum class Mode { None, Float16, Dynamic, Int8, Int8Only, Int16x8 };
// Type of the graph's inputs and outputs. Default: float for int8 / int16x8, int8 for int8-only.
enum class IoType { Default, Float, Int8, UInt8 };

// How weights are rounded to their grid: to nearest (TFLite's converter), or GPTQ's data-aware
// choice (GptqRounding.h; needs calibration data).
enum class WeightRounding { Nearest, Gptq };
Result<WeightRounding> parseRounding(std::string_view text);
std::string_view roundingName(WeightRounding rounding);

// The weights of the layers that get quantized weights (--weights, --weights-for): int8, int4
// (FULLY_CONNECTED only; LowBitWeights.h), or float (the layer is left in float).
enum class WeightType { Int8, Int4, Float };

Result<Mode> parseMode(std::string_view text);
Result<WeightType> parseWeightType(std::string_view text);
std::string_view weightTypeName(WeightType type);
std::string_view modeName(Mode mode);
Result<IoType> parseIoType(std::string_view text);
// Modes that need calibration data (int8, int8-only, int16x8).
bool needsCalibration(Mode mode);

struct QuantizeOptions {
    Mode mode = Mode::Int8;
    calib::Calibrator calibrator;    // activations
    // Per-tensor exceptions (--calibrator-for TENSOR=C): activation tensors named here use their
    // own calibrator. Every name must be a tensor of the model (quantizeModel refuses others).
    std::vector<std::pair<std::string, calib::Calibrator>> calibratorFor;
    // Per-tensor clip ranges (the what-if panel's "apply to the lab"): activation tensors named
    // here are quantized over exactly this range (widened to include 0 as every range; int16
    // uses [-a, a] with a = max(|min|, |max|)) instead of their calibrator's choice. Every name
    // must be a tensor of the model, min < max. Operators with fixed or shared output parameters
    // (SOFTMAX, RESHAPE, ...) keep them: the range applies where the quantizer calibrates.
    std::vector<std::pair<std::string, calib::Range>> rangeFor;
    bool perTensor = false;          // weights per tensor instead of TFLite's per-channel axes
    std::vector<std::string> keepFloat; // operator type names (e.g. "SOFTMAX") or tensor names
    // Mode int8 only: operators (type names or output tensor names, as keepFloat) that run
    // TFLite's int16x8 kernels (int16 activations, int8 weights, int64 bias) inside the int8
    // model; an operator without an int16x8 kernel stays int8 (QuantizeReport::int16Refused).
    std::vector<std::string> int16;
    IoType io = IoType::Default;
    // How messages number subgraph 0's operators: entry k is the number of the quantizer's input
    // operator k in the file the user opened (foldConstantDequantize's origins). Empty: as is.
    std::vector<size_t> operatorNumbers;
    // Dynamic range mode: constant tensors with fewer elements stay float (TFLite's
    // weights_min_num_elements default of 1024 in tools/optimize/quantize_weights.cc).
    size_t dynamicMinElements = 1024;
    // Beyond TFLite's converter, off by default (see Equalization.h and BiasCorrection.h):
    // cross-layer equalization of CONV -> (RELU) -> CONV pairs on the float weights before
    // calibration (every mode but none), and empirical bias correction after quantization
    // (int8, int8-only, int16x8; measured on the calibration samples).
    bool equalize = false;
    bool biasCorrection = false;
    // --rounding gptq: int8 / int4 CONV_2D and FULLY_CONNECTED weights re-rounded with GPTQ on
    // the calibration samples (every mode with integer weights; dynamic reads --calib for it).
    WeightRounding rounding = WeightRounding::Nearest;
    // --weights int4|int8, --block-size N (int4 blocks along the last dimension; 0: per
    // channel or per tensor), --weights-for NAME=int4|int8|float (operator type, operator
    // output tensor or weight tensor; later entries win).
    WeightType weights = WeightType::Int8;
    int blockSize = 0;
    std::vector<std::pair<std::string, WeightType>> weightsFor;
};

// One layer's weights re-rounded by GPTQ (GptqRounding.h): the layer's output SQNR on the
// calibration data with nearest rounding and with GPTQ's; GPTQ's values are kept only when better.
struct RoundedLayer {
    size_t op = 0;          // operator number as QuantizeOptions::operatorNumbers gives it
    std::string opType;     // "CONV_2D"
    std::string name;       // the operator's output tensor
    std::string weightType; // "int8", "int4"
    double nearestDb = 0, gptqDb = 0;
    bool applied = false;
};

// One activation tensor's calibration outcome, for the CLI's table and the UI.
struct TensorRangeReport {
    std::string name;
    float min = 0, max = 0;     // the chosen (clip) range, before widening to include 0
    float scale = 0;
    int64_t zeroPoint = 0;
    double clipped = 0;         // share of calibration values outside the range
    std::string calibrator;     // the calibrator that chose the range ("kl")
};

struct QuantizeReport {
    std::vector<TensorRangeReport> tensors;
    std::vector<std::string> floatOps;   // "#12 LSTM (no integer kernel)" for ops left float
    std::vector<std::string> int16Ops;   // "#12 CONV_2D": ops given int16 activations (int16)
    std::vector<std::string> int16Refused; // "#12 PRELU (no int16x8 kernel)": named, left int8
    size_t quantizedOps = 0;
    size_t insertedQuantize = 0, insertedDequantize = 0;
    size_t calibrationSamples = 0;
    // --equalize: pairs equalized, pairs skipped for a RELU6-like clamp between them.
    size_t equalizedPairs = 0, equalizationSkipped = 0;
    // --bias-correction: ops and channels whose bias moved, mean |shift| in bias LSB.
    size_t biasCorrectedOps = 0, biasCorrectedChannels = 0;
    double biasMeanAbsShift = 0;
    // int4: operators written with int4 weights (of them, with blocks), and notes such as a
    // layer kept per channel because its depth is not a multiple of the block size.
    size_t int4Ops = 0, int4BlockOps = 0;
    std::vector<std::string> weightNotes;
    // --rounding gptq: every layer measured, and those left alone ("#12 CONV_2D: depth 5120 ...").
    std::vector<RoundedLayer> rounded;
    std::vector<std::string> roundingSkipped;
};

} // namespace ql::quantize
