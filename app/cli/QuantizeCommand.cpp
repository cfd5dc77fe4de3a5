// quantlab-cli quantize MODEL --mode MODE [--calib SRC] [--calibrator C] [--calibrator-for T=C,...] [--range-for T=LO:HI,...]
//     [--per-tensor] [--keep-float OP_OR_TENSOR,...] [--int16 OP_OR_TENSOR,...] [--io int8|uint8|float] [--skip-nonfinite]
//     [--max-samples N] [--equalize] [--bias-correction [--target TARGET]] [--rounding nearest|gptq]
//     [--weights int4|int8] [--block-size 32|64|128|256] [--weights-for OP_OR_TENSOR=int4|int8|float,...]
//     [--auto [--target-sqnr DB | --target-drop P%] [--data SRC] [--labels SRC] [--max-mac-share P%]] --out OUT
#include "AutoQuantize.h"
#include "CliCommon.h"
#include "Commands.h"

#include "io/AtomicFile.h"
#include "quantize/OptionChecks.h"
#include "quantize/QuantizeJob.h"
#include "tflite/ModelReader.h"
#include "util/Limits.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace ql::cli {
namespace {

std::atomic<bool> g_cancel{false};
// Ctrl-C: the job stops at its next cancel check; interpreter loops stop too (util/Limits.h).
extern "C" void onQuantizeInterrupt(int) {
    g_cancel.store(true);
    ql::requestInterrupt();
}

// --weights-for NAME=TYPE,...: operator types, operator outputs or weight tensors.
std::vector<std::pair<std::string, quantize::WeightType>> parseWeightsFor(const std::string& text) {
    std::vector<std::pair<std::string, quantize::WeightType>> out;
    for (const std::string& item : splitList(text)) {
        const size_t eq = item.rfind('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--weights-for: '" + item + "': expected OP_OR_TENSOR=int4|int8|float");
        auto type = quantize::parseWeightType(item.substr(eq + 1));
        if (!type) throw UsageError("--weights-for: '" + item + "': " + type.message());
        out.emplace_back(item.substr(0, eq), *type);
    }
    return out;
}

std::string kib(uint64_t bytes) {
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.1f KiB", double(bytes) / 1024.0);
    return tmp;
}

int quantizeCommand(const Args& args) {
    const std::string path = args.requirePositional(1, 0, "MODEL (the float .tflite file to quantize)");
    const std::string out = args.require("--out");

    quantize::QuantizeJobOptions job;
    auto mode = quantize::parseMode(args.require("--mode"));
    if (!mode) throw UsageError("--mode: " + mode.message());
    job.quantize.mode = *mode;
    if (args.has("--calibrator")) {
        auto c = calib::Calibrator::parse(args.value("--calibrator"));
        if (!c) throw UsageError("--calibrator: " + c.message());
        job.quantize.calibrator = *c;
    }
    if (args.has("--calibrator-for")) job.quantize.calibratorFor = parseCalibratorFor(args.value("--calibrator-for"));
    if (args.has("--range-for")) job.quantize.rangeFor = parseRangeFor(args.value("--range-for"));
    job.quantize.perTensor = args.flag("--per-tensor");
    if (args.has("--keep-float")) job.quantize.keepFloat = splitList(args.value("--keep-float"));
    if (args.has("--int16")) {
        if (job.quantize.mode != quantize::Mode::Int8)
            throw UsageError("--int16: int16 operators inside an int8 model need --mode int8 (int16x8 makes every operator int16), not " +
                             std::string(quantize::modeName(job.quantize.mode)));
        job.quantize.int16 = splitList(args.value("--int16"));
    }
    if (args.has("--io")) {
        auto io = quantize::parseIoType(args.value("--io"));
        if (!io) throw UsageError("--io: " + io.message());
        job.quantize.io = *io;
    }
    if (args.has("--weights")) {
        auto w = quantize::parseWeightType(args.value("--weights"));
        if (!w) throw UsageError("--weights: " + w.message());
        job.quantize.weights = *w;
    }
    job.quantize.blockSize = int(args.integer("--block-size"));
    if (args.has("--weights-for")) job.quantize.weightsFor = parseWeightsFor(args.value("--weights-for"));
    job.quantize.equalize = args.flag("--equalize");
    job.quantize.biasCorrection = args.flag("--bias-correction");
    if (args.has("--rounding")) {
        auto rounding = quantize::parseRounding(args.value("--rounding"));
        if (!rounding) throw UsageError("--rounding: " + rounding.message());
        job.quantize.rounding = *rounding;
    }
    const bool gptq = job.quantize.rounding == quantize::WeightRounding::Gptq;
    if (gptq && job.quantize.mode != quantize::Mode::Dynamic && !quantize::needsCalibration(job.quantize.mode))
        throw UsageError("--rounding gptq: needs integer weights (modes dynamic, int8, int8-only, int16x8), not " +
                         std::string(quantize::modeName(job.quantize.mode)));
    if (gptq && !args.has("--calib"))
        throw UsageError("--rounding gptq: needs calibration data (--calib): each layer's inputs choose its weights' rounding");
    job.target = targetOf(args, "quantize"); // the runtime the bias correction measures
    if (job.quantize.biasCorrection && !quantize::needsCalibration(job.quantize.mode))
        throw UsageError("--bias-correction: needs an integer mode (int8, int8-only, int16x8), not " +
                         std::string(quantize::modeName(job.quantize.mode)));
    if (job.quantize.equalize && job.quantize.mode == quantize::Mode::None)
        throw UsageError("--equalize: mode none writes the model unchanged; choose a quantization mode");
    job.data.maxSamples = size_t(args.integer("--max-samples"));
    job.data.normalization = pixelRangeOf(args);
    job.calibSpec = args.value("--calib");
    job.skipNonFinite = args.flag("--skip-nonfinite");
    checkAutoQuantizeArgs(args);
    if (quantize::needsCalibration(job.quantize.mode) && job.calibSpec.empty())
        throw UsageError("--calib: mode " + std::string(quantize::modeName(job.quantize.mode)) +
                         " needs calibration data (a .npy/.npz file, IDX file, image folder or random:N[:SEED])");
    std::error_code ec;
    if (std::filesystem::exists(out, ec) && std::filesystem::equivalent(out, path, ec))
        throw UsageError("--out: " + out + " is the input model; choose another path");
    // The calibration data is an input too (device + inode, after symbolic links).
    if (!job.calibSpec.empty() && job.calibSpec.rfind("random:", 0) != 0 && sameFile(out, job.calibSpec))
        throw UsageError("--out: " + out + " is the --calib data " + job.calibSpec + "; choose another path");
    if (Status s = checkOutputPath(out); !s) throw UsageError("--out: " + s.message());

    auto model = readModelFile(path);
    if (!model) throw UsageError(model.message());

    std::signal(SIGINT, onQuantizeInterrupt);
    Progress progress;
    progress.cancel = &g_cancel;
    std::ostringstream autoLog;
    if (args.flag("--auto")) {
        AutoChoice choice = autoChoose(args, *model, job, autoLog);
        job.quantize.keepFloat = std::move(choice.keepFloat);
        job.quantize.int16 = std::move(choice.int16);
    }
    auto r = quantize::runQuantize(*model, job, progress);
    if (!r) {
        if (g_cancel.load()) { std::cerr << "quantlab-cli: cancelled\n"; return 130; }
        throw UsageError(path + ": " + r.message());
    }
    Status st = quantize::writeQuantized(r->result.model, out, path, progress);
    if (!st) {
        if (g_cancel.load()) { std::cerr << "quantlab-cli: cancelled\n"; return 130; }
        throw UsageError(out + ": " + st.message());
    }

    const auto& rep = r->result.report;
    for (const std::string& w : quantize::clippingWarnings(rep)) std::cerr << "quantlab-cli: warning: " << w << "\n";
    warnIfRandomData("--calib", job.calibSpec);
    if (args.has("--data")) warnIfRandomData("--data", args.value("--data"));
    const uint64_t after = std::filesystem::file_size(out, ec);
    std::cout << "Quantized  " << path << " -> " << out << " (mode " << quantize::modeName(job.quantize.mode) << ")\n";
    std::cout << "Size       " << kib((*model)->sourceBytes) << " -> " << kib(after) << "\n";
    if (r->stats)
        std::cout << "Calibrated " << r->stats->samples << " samples with " << job.quantize.calibrator.name() << " ("
                  << r->calibrationSeconds << " s)\n";
    if (r->stats && r->stats->skippedNonFinite)
        std::cerr << "quantlab-cli: warning: --skip-nonfinite: " << r->stats->skippedNonFinite
                  << " calibration sample(s) with NaN/inf inputs left out\n";
    std::cout << autoLog.str();
    std::cout << "Operators  " << rep.quantizedOps << " quantized, " << rep.floatOps.size() << " left float, "
              << rep.insertedQuantize << " QUANTIZE and " << rep.insertedDequantize << " DEQUANTIZE inserted\n";
    for (const std::string& f : rep.floatOps) std::cout << "  float: " << f << "\n";
    for (const std::string& f : rep.int16Ops) std::cout << "  int16: " << f << "\n";
    for (const std::string& f : rep.int16Refused) std::cerr << "quantlab-cli: warning: --int16: " << f << " stays int8\n";
    if (rep.int4Ops)
        std::cout << "int4       " << rep.int4Ops << " FULLY_CONNECTED with int4 weights"
                  << (rep.int4BlockOps ? " (" + std::to_string(rep.int4BlockOps) + " in blocks of " + std::to_string(job.quantize.blockSize) + ")" : "")
                  << "; other layers keep int8 weights\n";
    for (const std::string& n : rep.weightNotes) std::cout << "  note: " << n << "\n";
    if (job.quantize.equalize)
        std::cout << "Equalized  " << rep.equalizedPairs << " layer pairs (" << rep.equalizationSkipped
                  << " skipped: RELU6 or another clamp between them)\n";
    if (gptq) {
        size_t applied = 0;
        for (const auto& l : rep.rounded) applied += l.applied ? 1 : 0;
        std::cout << "Rounding   gptq: " << applied << " of " << rep.rounded.size()
                  << " layers re-rounded (layer output SQNR, nearest -> gptq, fitted on half the calibration samples and measured on "
                     "the other half; kept only when better on both halves)\n";
        for (const auto& l : rep.rounded) {
            char line[96];
            std::snprintf(line, sizeof line, "  #%-5zu %-16s %-5s %7.2f -> %7.2f dB  %s", l.op, l.opType.c_str(), l.weightType.c_str(),
                          l.nearestDb, l.gptqDb, l.applied ? "" : "(kept nearest) ");
            std::cout << line << l.name << "\n";
        }
        for (const std::string& n : rep.roundingSkipped) std::cout << "  not re-rounded: " << n << "\n";
    }
    if (job.quantize.biasCorrection)
        std::cout << "Bias       corrected " << rep.biasCorrectedChannels << " channels in " << rep.biasCorrectedOps
                  << " ops (mean |shift| " << rep.biasMeanAbsShift << " LSB)\n";
    if (!rep.tensors.empty()) {
        std::cout << "\nTensor ranges (chosen range, scale, zero point, share of calibration data clipped)\n";
        for (const auto& t : rep.tensors) {
            char line[160];
            std::snprintf(line, sizeof line, "  [%11.5g, %11.5g]  scale=%-11.5g zp=%-6lld clipped=%.4f%%  ", double(t.min),
                          double(t.max), double(t.scale), static_cast<long long>(t.zeroPoint), t.clipped * 100.0);
            std::cout << line << t.name << "\n";
        }
    }
    return 0;
}

std::vector<OptionSpec> withAutoOptions(std::vector<OptionSpec> options) {
    for (OptionSpec& o : autoQuantizeOptions()) options.push_back(std::move(o));
    return options;
}

const CommandRegistration registration({
    "quantize",
    "quantize MODEL --mode MODE [--calib SRC] [--pixel-range LO,HI] [--calibrator C] [--calibrator-for TENSOR=C,...] [--range-for TENSOR=LO:HI,...] [--per-tensor] [--keep-float OP_OR_TENSOR,...] "
    "[--int16 OP_OR_TENSOR,...] [--io int8|uint8|float] [--weights int4|int8] [--block-size 32|64|128|256] "
    "[--weights-for OP_OR_TENSOR=int4|int8|float,...] [--skip-nonfinite] [--max-samples N] [--equalize] [--bias-correction [--target TARGET]] [--rounding nearest|gptq] "
    "[--auto [--target-sqnr DB | --target-drop P%] [--data SRC] [--labels SRC] [--max-mac-share P%]] --out OUT",
    "Post-training quantization of a float model; writes a model the TensorFlow Lite runtime runs.",
    {{"MODEL", "the float .tflite file to quantize"}},
    withTargetOptions(withAutoOptions({modeOption().mandatory(),
     valueOption("--calib", "SRC", "calibration data; needed by int8, int8-only and int16x8"),
     pixelRangeOption(),
     calibratorOption(),
     calibratorForOption(),
     valueOption("--range-for", "TENSOR=LO:HI,...",
                 "give these activation tensors a fixed clip range instead of their calibrator's (repeatable), e.g. "
                 "--range-for conv1/out=-4:6 (what the GUI's what-if panel applies)")
         .repeats(),
     flagOption("--per-tensor", "one weight scale per tensor instead of per channel (CONV_2D dim 0, DEPTHWISE_CONV_2D dim 3)"),
     valueOption("--keep-float", "OP_OR_TENSOR,...", "leave these operator types (e.g. SOFTMAX) or tensor names in float"),
     valueOption("--int16", "OP_OR_TENSOR,...", "with --mode int8: run these operator types or tensor names with int16 activations "
                                                "(TFLite's int16x8 kernels) inside the int8 model"),
     valueOption("--io", "TYPE", "type of the graph's inputs and outputs")
         .defaultIs("float; int8 with int8-only")
         .oneOf({"int8", "uint8", "float"}),
     valueOption("--weights", "TYPE", "int4: FULLY_CONNECTED weights in 4 bits (per channel; the runtime runs them with modes "
                                      "dynamic, int8 and int8-only); other layers keep int8")
         .defaultIs("int8")
         .oneOf({"int8", "int4"}),
     integerOption("--block-size", "N", "int4 weights in blocks of N along the depth, one float16 scale each (--mode dynamic; 32, 64, "
                                       "128 or 256)", 0, 0, 1 << 20)
         .defaultIs("0: per channel"),
     valueOption("--weights-for", "OP_OR_TENSOR=TYPE,...", "weights of these operator types, outputs or weight tensors: int4, int8 "
                                                          "or float (left in float)"),
     flagOption("--skip-nonfinite", "leave out calibration samples whose inputs hold NaN or inf (else refused)"),
     integerOption("--max-samples", "N", "calibrate on at most N samples of --calib", 0, 0, 1'000'000'000).defaultIs("0: all"),
     valueOption("--rounding", "nearest|gptq",
                 "how weights are rounded to their grid: to nearest (as TFLite's converter), or gptq: each CONV_2D / "
                 "FULLY_CONNECTED layer's int8 or int4 weights chosen from its inputs on --calib so that its output error is "
                 "smallest (GPTQ), kept per layer only when better; dynamic mode reads --calib for it")
         .defaultIs("nearest")
         .oneOf({"nearest", "gptq"}),
     flagOption("--equalize", "cross-layer equalization of CONV -> (RELU) -> CONV pairs before calibration"),
     flagOption("--bias-correction", "correct each channel's bias by its mean output error on the calibration samples "
                                     "(int8, int8-only, int16x8)"),
     valueOption("--out", "OUT", "the quantized .tflite to write; never over MODEL").mandatory()})),
    &quantizeCommand,
    40});

} // namespace
} // namespace ql::cli
