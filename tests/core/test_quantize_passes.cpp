// The quantizer's passes beyond TFLite's converter (--equalize, --bias-correction), the
// CONVERSION_METADATA it writes, and cancellation leaving no file behind.
#include "test_quantize_support.h"

#include "TestModels.h"
#include "data/DataSource.h"
#include "data/Convert.h"
#include "model/ModelBuilder.h"
#include "quantize/BiasCorrection.h"
#include "quantize/Equalization.h"
#include "quantize/GraphEdit.h"
#include "tflite/Metadata.h"
#include "tflite/ModelWriter.h"

#include <atomic>
#include <filesystem>

using namespace ql;
using namespace ql::quantize;
using namespace ql::test;

namespace {

// Weights in [-1, 1] scaled per channel along `axis` by amp[c] (deliberately unbalanced ranges).
std::vector<float> scaledWeights(const std::vector<int32_t>& shape, size_t axis, const std::vector<float>& amp, uint32_t seed) {
    size_t n = 1, inner = 1;
    for (int32_t d : shape) n *= size_t(d);
    for (size_t d = axis + 1; d < shape.size(); ++d) inner *= size_t(shape[d]);
    std::vector<float> v(n);
    uint32_t s = seed;
    for (size_t i = 0; i < n; ++i) {
        s = s * 1664525u + 1013904223u;
        v[i] = amp[(i / inner) % amp.size()] * (float((s >> 8) & 0xFFFF) / 32767.5f - 1.0f);
    }
    return v;
}

// image [1,6,6,3] -> CONV_2D 3x3 (4 channels, ranges 0.05..3, activation `act`)
//                 -> CONV_2D 1x1 (5 outputs; input-channel ranges 4..0.1) or DEPTHWISE 3x3 -> out
Model pairModel(Activation act, bool depthwiseSecond = false) {
    ModelBuilder b;
    const auto in = b.addTensor("image", TensorType::FLOAT32, {1, 6, 6, 3});
    const auto w1 = b.addConstant("a/filter", TensorType::FLOAT32, {4, 3, 3, 3},
                                  scaledWeights({4, 3, 3, 3}, 0, {0.02f, 1.0f, 4.0f, 0.1f}, 11));
    const auto b1 = b.addConstant("a/bias", TensorType::FLOAT32, {4}, std::vector<float>{0.01f, 0.3f, -0.5f, 0.05f});
    const auto mid = b.addTensor("a/out", TensorType::FLOAT32, {1, 6, 6, 4});
    b.addOperator(BuiltinOp::CONV_2D, {in, w1, b1}, {mid}, conv2dOptions(Padding::SAME, 1, 1, act));
    if (depthwiseSecond) {
        const auto w2 = b.addConstant("b/filter", TensorType::FLOAT32, {1, 3, 3, 4},
                                      scaledWeights({1, 3, 3, 4}, 3, {4.0f, 0.1f, 0.5f, 2.0f}, 12));
        const auto b2 = b.addConstant("b/bias", TensorType::FLOAT32, {4}, std::vector<float>{0.2f, -0.1f, 0.0f, 0.4f});
        const auto out = b.addTensor("b/out", TensorType::FLOAT32, {1, 6, 6, 4});
        b.addOperator(BuiltinOp::DEPTHWISE_CONV_2D, {mid, w2, b2}, {out}, depthwiseOptions(Padding::SAME, 1, 1, 1));
        b.setOutputs({out});
    } else {
        const auto w2 = b.addConstant("b/filter", TensorType::FLOAT32, {5, 1, 1, 4},
                                      scaledWeights({5, 1, 1, 4}, 3, {4.0f, 0.1f, 0.5f, 2.0f}, 12));
        const auto b2 = b.addConstant("b/bias", TensorType::FLOAT32, {5}, std::vector<float>{0.2f, -0.1f, 0.0f, 0.4f, 0.3f});
        const auto out = b.addTensor("b/out", TensorType::FLOAT32, {1, 6, 6, 5});
        b.addOperator(BuiltinOp::CONV_2D, {mid, w2, b2}, {out}, conv2dOptions(Padding::SAME, 1, 1));
        b.setOutputs({out});
    }
    b.setInputs({in});
    return b.build();
}

const Tensor& byName(const Model& m, const std::string& name) {
    for (const Tensor& t : m.subgraphs[0].tensors)
        if (t.name == name) return t;
    FAIL("no tensor " << name);
    return m.subgraphs[0].tensors[0];
}

std::vector<double> channelRanges(const Model& m, const std::string& name, size_t axis) {
    const Tensor& t = byName(m, name);
    const std::vector<float> v = constantFloats(m, t);
    size_t inner = 1;
    for (size_t d = axis + 1; d < t.shape.size(); ++d) inner *= size_t(t.shape[d]);
    std::vector<double> r(size_t(t.shape[axis]), 0.0);
    for (size_t i = 0; i < v.size(); ++i) r[(i / inner) % r.size()] = std::max(r[(i / inner) % r.size()], double(std::fabs(v[i])));
    return r;
}

// Real values of every output, concatenated (dequantized r = s * (q - z) for integer outputs).
std::vector<float> realOutputs(const rt::Interpreter& interp) {
    std::vector<float> all;
    for (size_t o = 0; o < interp.outputCount(); ++o) {
        const rt::RtTensor& t = interp.output(o);
        const auto v = asDoubles(t.type, t.as<uint8_t>(), size_t(t.elementCount()));
        const bool q = t.type != TensorType::FLOAT32 && t.isQuantized();
        for (double x : v) all.push_back(q ? float(t.scale() * (x - t.zeroPoint())) : float(x));
    }
    return all;
}

// Feeds `sample` (float model's input types) to `interp`, converting into its input types.
void runOn(rt::Interpreter& interp, const data::Sample& sample) {
    const auto info = data::ModelInputInfo::fromModel(interp.model());
    REQUIRE(sample.tensors.size() == info.inputs.size());
    for (size_t k = 0; k < sample.tensors.size(); ++k) {
        const data::SampleTensor& src = sample.tensors[k];
        std::vector<uint8_t> bytes(size_t(info.inputs[k].elementCount()) * elementSize(info.inputs[k].type));
        data::convertNumeric(src.bytes.data(), src.type, size_t(src.elementCount()), info.inputs[k], bytes.data());
        REQUIRE(interp.setInput(k, info.inputs[k].type, bytes).ok());
    }
    REQUIRE(interp.invoke().ok());
}

// Outputs of `model` (real values, all outputs concatenated) on samples of `spec`.
std::vector<float> outputsOn(std::shared_ptr<const Model> model, const std::string& spec) {
    auto source = data::openDataSource(spec, data::ModelInputInfo::fromModel(*model));
    REQUIRE(source.ok());
    auto interp = rt::Interpreter::create(model);
    REQUIRE(interp.ok());
    std::vector<float> all;
    for (size_t i = 0; i < (*source)->size(); ++i) {
        auto s = (*source)->get(i);
        REQUIRE(s.ok());
        runOn(**interp, *s);
        const auto o = realOutputs(**interp);
        all.insert(all.end(), o.begin(), o.end());
    }
    return all;
}

// 10 log10(sum a^2 / sum (a - b)^2) of `quant` against `reference` on samples of `spec`.
double sqnrOn(std::shared_ptr<const Model> reference, std::shared_ptr<const Model> quant, const std::string& spec) {
    auto source = data::openDataSource(spec, data::ModelInputInfo::fromModel(*reference));
    REQUIRE(source.ok());
    auto ri = rt::Interpreter::create(reference);
    auto qi = rt::Interpreter::create(quant);
    REQUIRE(ri.ok());
    REQUIRE(qi.ok());
    double signal = 0, noise = 0;
    for (size_t i = 0; i < (*source)->size(); ++i) {
        auto s = (*source)->get(i);
        REQUIRE(s.ok());
        runOn(**ri, *s);
        runOn(**qi, *s);
        const auto a = realOutputs(**ri), b = realOutputs(**qi);
        REQUIRE(a.size() == b.size());
        for (size_t k = 0; k < a.size(); ++k) {
            signal += double(a[k]) * a[k];
            noise += (double(a[k]) - b[k]) * (double(a[k]) - b[k]);
        }
    }
    return noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
}

double maxAbs(const std::vector<float>& v) {
    double m = 0;
    for (float x : v) m = std::max(m, double(std::fabs(x)));
    return m;
}

} // namespace

TEST_CASE("equalize: CONV -> RELU -> CONV keeps the float outputs and equalizes channel ranges", "[quantize][equalize]") {
    for (bool depthwise : {false, true}) {
        INFO("second op " << (depthwise ? "DEPTHWISE_CONV_2D" : "CONV_2D"));
        auto before = std::make_shared<const Model>(pairModel(Activation::RELU, depthwise));
        Model eq = *before;
        const EqualizationReport rep = equalizeCrossLayer(eq);
        CHECK(rep.pairs == 1);
        CHECK(rep.skippedRelu6 == 0);
        CHECK(rep.maxRangeRatioBefore > 10.0); // 3 / 0.1 and 4 / 0.05 before
        CHECK(rep.maxRangeRatioAfter == Approx(1.0).epsilon(1e-5));
        auto after = std::make_shared<const Model>(eq);
        const auto ya = outputsOn(before, "random:4:5"), yb = outputsOn(after, "random:4:5");
        REQUIRE(ya.size() == yb.size());
        double diff = 0;
        for (size_t i = 0; i < ya.size(); ++i) diff = std::max(diff, double(std::fabs(ya[i] - yb[i])));
        CHECK(diff <= 1e-4 * maxAbs(ya));
        // r1_c (output channel c of a) == r2_c (input channel c of b) == sqrt(r1 r2) before.
        const auto r1 = channelRanges(eq, "a/filter", 0), r2 = channelRanges(eq, "b/filter", 3);
        const auto o1 = channelRanges(*before, "a/filter", 0), o2 = channelRanges(*before, "b/filter", 3);
        for (size_t c = 0; c < r1.size(); ++c) {
            CHECK(r1[c] == Approx(r2[c]).epsilon(1e-5));
            CHECK(r1[c] == Approx(std::sqrt(o1[c] * o2[c])).epsilon(1e-5));
        }
        // The first op's bias moved with its channels: b1_c / s_c.
        const auto bias = constantFloats(eq, byName(eq, "a/bias"));
        CHECK(bias[2] == Approx(-0.5 * r1[2] / o1[2]).epsilon(1e-5));
    }
}

TEST_CASE("equalize: a RELU6 pair is skipped and left unchanged", "[quantize][equalize]") {
    const Model before = pairModel(Activation::RELU6);
    Model eq = before;
    const EqualizationReport rep = equalizeCrossLayer(eq);
    CHECK(rep.pairs == 0);
    CHECK(rep.skippedRelu6 == 1);
    CHECK(constantFloats(eq, byName(eq, "a/filter")) == constantFloats(before, byName(before, "a/filter")));
    CHECK(constantFloats(eq, byName(eq, "b/filter")) == constantFloats(before, byName(before, "b/filter")));
}

TEST_CASE("equalize: per-tensor int8 of an unbalanced pair gains SQNR", "[quantize][equalize]") {
    auto model = std::make_shared<const Model>(pairModel(Activation::RELU));
    QuantizeJobOptions o;
    o.quantize.mode = Mode::Int8;
    o.quantize.perTensor = true;
    o.calibSpec = "random:16:3";
    auto plain = runQuantize(model, o);
    o.quantize.equalize = true;
    auto equalized = runQuantize(model, o);
    REQUIRE(plain.ok());
    REQUIRE(equalized.ok());
    CHECK(equalized->result.report.equalizedPairs == 1);
    const double s0 = sqnrOn(model, std::make_shared<const Model>(plain->result.model), "random:16:9");
    const double s1 = sqnrOn(model, std::make_shared<const Model>(equalized->result.model), "random:16:9");
    INFO("per-tensor SQNR without " << s0 << " dB, with --equalize " << s1 << " dB");
    CHECK(s1 > s0 + 1.0);
    const auto meta = equalized->result.model.metadataBytes("quantlab");
    CHECK(std::string(meta.begin(), meta.end()).find("\"equalize\":true") != std::string::npos);
}

TEST_CASE("bias correction: a known bias error is measured and removed", "[quantize][bias]") {
    auto model = std::make_shared<const Model>(pairModel(Activation::RELU));
    QuantizeJobOptions o;
    o.quantize.mode = Mode::Int8;
    o.calibSpec = "random:16:3";
    auto q = runQuantize(model, o);
    REQUIRE(q.ok());
    // Perturb the last conv's int32 bias by k_c LSB of s_in * s_w_c: a known error of
    // k_c * s_in * s_w_c per channel (several output steps).
    Model perturbed = q->result.model;
    Subgraph& sg = perturbed.subgraphs[0];
    TensorIndex biasIdx, inIdx, filterIdx, outIdx;
    for (const Operator& op : sg.operators)
        if (op.op == BuiltinOp::CONV_2D && sg.tensor(op.outputs[0]).name.rfind("b/out", 0) == 0) {
            inIdx = op.inputs[0];
            filterIdx = op.inputs[1];
            biasIdx = op.inputs[2];
            outIdx = op.outputs[0];
        }
    REQUIRE(biasIdx.valid());
    REQUIRE(sg.tensor(biasIdx).type == TensorType::INT32);
    const float sIn = sg.tensor(inIdx).quant.scale[0], sOut = sg.tensor(outIdx).quant.scale[0];
    const std::vector<float> sW = sg.tensor(filterIdx).quant.scale;
    std::vector<int32_t> original(5), shifted(5);
    std::memcpy(original.data(), perturbed.buffer(sg.tensor(biasIdx).buffer).data, 20);
    std::vector<double> known(5);
    for (size_t c = 0; c < 5; ++c) {
        const double steps = (c % 2 ? -4.0 : 6.0) + double(c); // output LSBs
        const int32_t k = int32_t(std::lround(steps * sOut / (sIn * sW[c])));
        shifted[c] = original[c] + k;
        known[c] = double(k) * sIn * sW[c];
    }
    std::vector<uint8_t> bytes(20);
    std::memcpy(bytes.data(), shifted.data(), 20);
    sg.tensor(biasIdx).buffer = perturbed.addBuffer(std::move(bytes));

    auto data = data::openDataSource("random:16:3", data::ModelInputInfo::fromModel(*model));
    REQUIRE(data.ok());
    auto baseErr = measureOutputBias(model, std::make_shared<const Model>(q->result.model), **data);
    auto badErr = measureOutputBias(model, std::make_shared<const Model>(perturbed), **data);
    REQUIRE(baseErr.ok());
    REQUIRE(badErr.ok());
    const auto find = [](const std::vector<ChannelErrors>& v) {
        for (const auto& e : v)
            if (e.tensor.rfind("b/out", 0) == 0) return e.meanError;
        FAIL("b/out not measured");
        return std::vector<double>{};
    };
    const auto e0 = find(*baseErr), e1 = find(*badErr);
    for (size_t c = 0; c < 5; ++c) CHECK(e1[c] - e0[c] == Approx(known[c]).margin(0.6 * sOut)); // measured = injected

    auto rep = correctBias(model, perturbed, **data);
    REQUIRE(rep.ok());
    CHECK(rep->ops >= 1);
    auto fixedErr = measureOutputBias(model, std::make_shared<const Model>(perturbed), **data);
    REQUIRE(fixedErr.ok());
    const auto e2 = find(*fixedErr);
    double before = 0, after = 0;
    for (size_t c = 0; c < 5; ++c) {
        before += std::fabs(e1[c]);
        after += std::fabs(e2[c]);
        CHECK(std::fabs(e2[c]) <= 0.6 * sOut); // within about half an output step
    }
    INFO("mean |error| before " << before / 5 << ", after " << after / 5 << " (output step " << sOut << ")");
    CHECK(after < 0.2 * before);
}

TEST_CASE("bias correction: job option, metadata, and only integer modes", "[quantize][bias]") {
    auto model = std::make_shared<const Model>(makeSmallCnn());
    QuantizeJobOptions o;
    o.quantize.mode = Mode::Int8;
    o.quantize.biasCorrection = true;
    o.calibSpec = "random:8:3";
    auto q = runQuantize(model, o);
    REQUIRE(q.ok());
    CHECK(q->result.report.biasCorrectedOps <= 3);
    const auto meta = q->result.model.metadataBytes("quantlab");
    CHECK(std::string(meta.begin(), meta.end()).find("\"biasCorrection\":true") != std::string::npos);
    o.quantize.mode = Mode::Dynamic;
    auto d = runQuantize(model, o);
    REQUIRE_FALSE(d.ok());
    CHECK(d.message().find("--bias-correction") != std::string::npos);
}

TEST_CASE("quantize: the written model carries CONVERSION_METADATA and loads in TFLite", "[quantize][metadata]") {
    auto model = std::make_shared<const Model>(makeSmallCnn());
    const std::vector<std::pair<Mode, std::string>> modes = {{Mode::Int8, "PTQ_FULL_INTEGER"},
                                                             {Mode::Int8Only, "PTQ_FULL_INTEGER"},
                                                             {Mode::Int16x8, "PTQ_INT16"},
                                                             {Mode::Dynamic, "PTQ_DYNAMIC_RANGE"},
                                                             {Mode::Float16, "PTQ_FLOAT16"}};
    TempDir dir;
    for (const auto& [mode, name] : modes) {
        INFO(modeName(mode));
        auto q = quantizeWith(model, mode);
        REQUIRE(q.ok());
        const std::string path = dir.file(std::string(modeName(mode)) + ".tflite");
        REQUIRE(writeQuantized(q->result.model, path, "").ok());
        auto back = readModelFile(path);
        REQUIRE(back.ok());
        auto info = decodeConversionMetadata(**back);
        REQUIRE(info.has_value());
        REQUIRE(info->ok());
        CHECK(info->value().tensorflowVersion.empty());
        CHECK(info->value().optimizationModes == std::vector<std::string>{name});
        CHECK_FALSE((*back)->metadataBytes("quantlab").empty()); // the JSON entry stays
        const OracleAgreement a = compareWithOracle(path, dir, 3);
        if (!oracleScript()) {
            WARN("skipped: oracle not installed");
            continue;
        }
        INFO(a.message);
        CHECK(a.ran);
    }
}

TEST_CASE("quantize: CONVERSION_METADATA round-trips and keeps the source's environment", "[quantize][metadata]") {
    ConversionInfo in;
    in.modelType = "KERAS_MODEL";
    in.apiVersion = 2;
    in.modelHash = 0x0123456789abcdefULL;
    in.optimizationModes = {"PTQ_DYNAMIC_RANGE"};
    in.allowCustomOps = true;
    auto bytes = encodeConversionMetadata(in);
    REQUIRE(bytes.ok());
    Model m = makeSmallCnn();
    setMetadata(m, "CONVERSION_METADATA", std::string(bytes->begin(), bytes->end()));
    QuantizeOptions o;
    o.mode = Mode::Int8;
    const ConversionInfo out = conversionMetadataFor(m, o);
    CHECK(out.modelType == "KERAS_MODEL");
    CHECK(out.apiVersion == 2);
    CHECK(out.modelHash == 0x0123456789abcdefULL);
    CHECK(out.allowCustomOps);
    CHECK(out.optimizationModes == std::vector<std::string>{"PTQ_DYNAMIC_RANGE", "PTQ_FULL_INTEGER"});
    in.optimizationModes = {"PTQ_INT4"};
    CHECK_FALSE(encodeConversionMetadata(in).ok());
}

TEST_CASE("quantize: a cancelled job leaves no output and no temporary file", "[quantize][cancel]") {
    auto model = std::make_shared<const Model>(makeSmallCnn());
    TempDir dir;
    const std::filesystem::path outDir = dir.path() / "out";
    std::filesystem::create_directories(outDir);
    const std::string out = (outDir / "cnn_int8.tflite").string();
    const auto empty = [&] { return std::filesystem::is_empty(outDir); };
    QuantizeJobOptions o;
    o.quantize.mode = Mode::Int8;
    o.quantize.biasCorrection = true;
    o.calibSpec = "random:20:1";

    SECTION("cancel set mid-calibration") {
        std::atomic<bool> cancel{false};
        Progress p;
        p.cancel = &cancel;
        double seen = 0;
        p.report = [&](std::string_view stage, double f) {
            if (stage == "calibrating" && f >= 0.5) cancel = true;
            seen = std::max(seen, f);
        };
        auto r = runQuantize(model, o, p);
        REQUIRE_FALSE(r.ok());
        CHECK(r.message() == "cancelled");
        CHECK(seen < 1.0); // stopped before the last sample
        if (r.ok()) (void)writeQuantized(r->result.model, out, "", p);
        CHECK(empty());
    }
    SECTION("cancel set during bias correction") {
        std::atomic<bool> cancel{false};
        Progress p;
        p.cancel = &cancel;
        p.report = [&](std::string_view stage, double) {
            if (stage == "bias correction") cancel = true;
        };
        auto r = runQuantize(model, o, p);
        REQUIRE_FALSE(r.ok());
        CHECK(r.message() == "cancelled");
        CHECK(empty());
    }
    SECTION("cancel set before writing") {
        auto r = runQuantize(model, o);
        REQUIRE(r.ok());
        std::atomic<bool> cancel{true};
        Progress p;
        p.cancel = &cancel;
        const Status st = writeQuantized(r->result.model, out, "", p);
        CHECK_FALSE(st.ok());
        CHECK(empty());
        // and without the flag the same call writes exactly one file
        cancel = false;
        REQUIRE(writeQuantized(r->result.model, out, "", p).ok());
        CHECK(std::distance(std::filesystem::directory_iterator(outDir), std::filesystem::directory_iterator()) == 1);
    }
}

// Not part of the normal run: prints the output SQNR with and without --equalize and
// --bias-correction (test_core "[.sqnr]").
TEST_CASE("measure: SQNR with and without --equalize / --bias-correction", "[.sqnr]") {
    std::vector<std::pair<std::string, std::shared_ptr<const Model>>> models;
    models.push_back({"pair-relu (built)", std::make_shared<const Model>(pairModel(Activation::RELU))});
    models.push_back({"small-cnn (built)", std::make_shared<const Model>(makeSmallCnn())});
    for (const char* name : {"hand_landmark_lite", "face_detection_short_range"})
        if (auto p = sharedModel(std::string(name) + ".tflite")) {
            auto m = readModelFile(*p);
            REQUIRE(m.ok());
            models.push_back({name, *m});
        }
    for (const auto& [name, model] : models)
        for (bool perTensor : {false, true})
            for (int variant = 0; variant < 4; ++variant) {
                QuantizeJobOptions o;
                o.quantize.mode = Mode::Int8;
                o.quantize.perTensor = perTensor;
                o.quantize.equalize = variant & 1;
                o.quantize.biasCorrection = variant & 2;
                o.calibSpec = "random:32:1";
                auto q = runQuantize(model, o);
                REQUIRE(q.ok());
                const double s = sqnrOn(model, std::make_shared<const Model>(q->result.model), "random:16:77");
                WARN(name << (perTensor ? " per-tensor" : " per-channel") << (variant & 1 ? " +equalize" : "")
                          << (variant & 2 ? " +bias-correction" : "") << ": SQNR " << s << " dB (pairs "
                          << q->result.report.equalizedPairs << ", skipped " << q->result.report.equalizationSkipped
                          << ", bias ops " << q->result.report.biasCorrectedOps << ")");
            }
}
