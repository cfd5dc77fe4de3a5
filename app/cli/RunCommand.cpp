// quantlab-cli run MODEL (--inputs a.npy,b.npy | --inputs DIR | --random SEED) --out DIR
//                        [--all-tensors] [--threads T]
// The TFLite oracle's file conventions: output_<i>.npy (index in subgraph 0's output list, the
// tensor's own dtype and shape); with --random also input_<i>.npy, the exact bytes fed (the
// same bytes as `oracle.js --random SEED`); DIR inputs are read as DIR/input_<i>.npy.
// --all-tensors also writes every tensor of subgraph 0 as tensor_<index>.npy and an index,
// tensors.json. Nothing is written over an input file. Every file of a run is written through
// one AtomicFileBatch: thousands of tensor dumps cost one sync, and a failed or interrupted run
// leaves neither temporaries nor a partial set of new files.
#include "CliCommon.h"
#include "Commands.h"

#include "io/AtomicFile.h"
#include "io/Npy.h"
#include "runtime/Interpreter.h"
#include "runtime/RandomInputs.h"
#include "tflite/ModelReader.h"
#include "util/JsonWriter.h"

#include <sstream>
#include <charconv>
#include <filesystem>
#include <iostream>

namespace ql::cli {
namespace {

namespace fs = std::filesystem;

std::vector<int64_t> shape64(const std::vector<int32_t>& s) { return {s.begin(), s.end()}; }

std::string shapeText(const std::vector<int32_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
}

void writeOrThrow(AtomicFileBatch& batch, const std::string& path, const rt::RtTensor& t) {
    if (Status s = writeNpy(batch, path, t.type, shape64(t.shape), {t.data, t.bytes}); !s)
        throw UsageError("run: cannot write " + path + ": " + s.message());
}

std::vector<std::string> inputFiles(const std::string& spec, size_t count) {
    std::error_code ec;
    if (fs::is_directory(spec, ec)) {
        std::vector<std::string> files;
        for (size_t i = 0; i < count; ++i) files.push_back((fs::path(spec) / ("input_" + std::to_string(i) + ".npy")).string());
        return files;
    }
    auto files = splitList(spec);
    if (files.size() != count)
        throw UsageError("run: the model has " + std::to_string(count) + " input(s), --inputs gives " + std::to_string(files.size()) +
                         " file(s)");
    return files;
}

const char* kindOf(const rt::Interpreter& it, size_t t) {
    const Subgraph& sg = it.model().subgraphs[0];
    for (TensorIndex i : sg.inputs)
        if (i.index() == t) return "input";
    for (TensorIndex i : sg.outputs)
        if (i.index() == t) return "output";
    const rt::RtTensor& r = it.tensor(TensorIndex{t});
    return r.constant ? "constant" : r.variable ? "variable" : "activation";
}

// Adds every tensor and the index to `batch`; returns the summary line.
std::string writeAllTensors(rt::Interpreter& it, const std::string& outDir, AtomicFileBatch& batch) {
    JsonWriter json;
    json.beginObject().field("model", it.model().sourcePath).key("tensors").beginArray();
    size_t written = 0;
    for (size_t t = 0; t < it.tensorCount(); ++t) {
        const rt::RtTensor& r = it.tensor(TensorIndex{t});
        const bool storable = r.data && it.isLive(TensorIndex{t}) && npyDescr(r.type).has_value();
        json.beginObject().field("index", static_cast<int64_t>(t)).field("name", r.source->name).field("dtype", std::string(typeName(r.type)));
        json.key("shape").beginArray();
        for (int32_t d : r.shape) json.value(d);
        json.endArray().field("kind", kindOf(it, t));
        if (r.isQuantized()) {
            json.key("quantization").beginObject().array("scale", r.quant->scale).array("zero_point", r.quant->zeroPoint);
            json.field("quantized_dimension", r.quant->quantizedDimension).endObject();
        }
        if (storable) {
            const std::string file = "tensor_" + std::to_string(t) + ".npy";
            writeOrThrow(batch, (fs::path(outDir) / file).string(), r);
            json.field("file", file);
            ++written;
        } else {
            json.key("file").null();
        }
        json.endObject();
    }
    json.endArray().endObject();
    const std::string text = json.str() + "\n";
    const std::string path = (fs::path(outDir) / "tensors.json").string();
    if (Status s = batch.add(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}); !s)
        throw UsageError("run: cannot write " + path + ": " + s.message());
    return "tensors: " + std::to_string(written) + " of " + std::to_string(it.tensorCount()) +
           " written as tensor_<index>.npy, index in " + path + "\n";
}

int runCommand(const Args& args) {
    const std::string modelPath = args.requirePositional(1, 0, "MODEL");
    if (args.has("--inputs") == args.has("--random")) throw UsageError("run: give either --inputs or --random SEED");
    const std::string outDir = args.require("--out");
    if (outDir.empty()) throw UsageError("run: --out: the output folder name is empty");
    const int threads = static_cast<int>(args.integer("--threads"));
    uint32_t seed = 0;
    if (args.has("--random")) {
        const std::string s = args.value("--random");
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), seed);
        if (ec != std::errc() || p != s.data() + s.size()) throw UsageError("run: --random wants a seed from 0 to 4294967295, got '" + s + "'");
    }

    auto model = readModelFile(modelPath);
    if (!model) throw UsageError(model.message());
    rt::InterpreterOptions options;
    options.run.threads = threads;
    options.keepAllTensors = args.flag("--all-tensors");
    options.run.target = targetOf(args, "run");
    auto made = rt::Interpreter::create(model.value(), options);
    if (!made) throw UsageError(modelPath + ": " + made.message());
    rt::Interpreter& it = *made.value();

    std::vector<std::string> protectedInputs{modelPath};
    std::vector<NpyArray> inputs;
    if (args.has("--inputs")) {
        for (const std::string& file : inputFiles(args.value("--inputs"), it.inputCount())) {
            auto a = readNpy(file);
            if (!a) throw UsageError("run: " + a.message());
            protectedInputs.push_back(file);
            inputs.push_back(std::move(a.value()));
        }
    }
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec) throw UsageError("run: --out " + outDir + ": cannot create the folder: " + ec.message()); // e.g. permission denied
    if (!fs::is_directory(outDir)) throw UsageError("run: --out " + outDir + " is not a directory");
    AtomicFileBatch batch(protectedInputs);

    for (size_t i = 0; i < inputs.size(); ++i)
        if (Status s = it.setInput(i, inputs[i].type, inputs[i].shape, inputs[i].data); !s)
            throw UsageError("run: " + protectedInputs[i + 1] + ": " + s.message());
    if (args.has("--random")) {
        rt::OracleRng rng(seed);
        for (size_t i = 0; i < it.inputCount(); ++i) {
            rt::RtTensor& in = it.input(i);
            if (Status s = rt::fillRandom({in.data, in.bytes}, in.type, in.isQuantized(), rng); !s)
                throw UsageError("run: input " + std::to_string(i) + " '" + in.source->name + "': " + s.message());
            const std::string path = (fs::path(outDir) / ("input_" + std::to_string(i) + ".npy")).string();
            writeOrThrow(batch, path, in);
        }
    }

    if (Status s = it.invoke(); !s) throw UsageError("run: " + modelPath + ": " + s.message());
    // The summary is printed once every file is written: an error stays the only line.
    std::ostringstream summary;
    summary << "target: " << targetName(options.run.target) << "\n";
    for (size_t i = 0; i < it.outputCount(); ++i) {
        const rt::RtTensor& out = it.output(i);
        const std::string path = (fs::path(outDir) / ("output_" + std::to_string(i) + ".npy")).string();
        writeOrThrow(batch, path, out);
        summary << "output[" << i << "] '" << out.source->name << "' " << shapeText(out.shape) << " " << typeName(out.type) << " -> "
                << path << "\n";
    }
    if (args.flag("--all-tensors")) summary << writeAllTensors(it, outDir, batch);
    if (Status s = batch.commit(); !s) throw UsageError("run: cannot write " + s.message());
    std::cout << summary.str();
    return 0;
}

const CommandRegistration kRegistration{{
    "run",
    "run MODEL (--inputs a.npy,b.npy | --inputs DIR | --random SEED) --out DIR [--all-tensors] [--threads T] [--target TARGET]",
    "Runs a model once on given or random inputs and writes its outputs as output_<i>.npy (the TFLite oracle's files).",
    {{"MODEL", "the .tflite file to run"}},
    withTargetOptions({valueOption("--inputs", "FILES|DIR", "one .npy per model input, comma-separated, or a folder of input_<i>.npy"),
     valueOption("--random", "SEED", "random inputs from SEED (0 to 4294967295), the same bytes as the oracle's "
                                     "--random SEED; also written as input_<i>.npy"),
     valueOption("--out", "DIR", "folder for output_<i>.npy (created if missing)").mandatory(),
     flagOption("--all-tensors", "also write every tensor of subgraph 0 as tensor_<index>.npy, indexed in tensors.json"),
     integerOption("--threads", "T", "threads of the interpreter", 1, 1, 64)}),
    &runCommand,
    20}};

} // namespace
} // namespace ql::cli
