// Custom operators real models ship with (kernels/custom/): hand-checked cases, "fails at
// prepare" cases, and goldens of the real TFLite runtime (tests/fixtures/custom, written by
// tests/fixtures/shape/generate.sh BUILD custom from the hidden [.generate] case below).
#include "test_kernels_shape_fixtures.h"

#include <cmath>
#include <filesystem>
#include <flatbuffers/flexbuffers.h>

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;

namespace {

struct DetectionConfig {
    int maxDetections = 5;
    int maxClassesPerDetection = 1;
    int detectionsPerClass = 100;
    bool regular = false;
    float scoreThreshold = 0.3f;
    float iouThreshold = 0.5f;
    int numClasses = 2;
};

std::vector<uint8_t> detectionOptions(const DetectionConfig& c) {
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Int("max_detections", c.maxDetections);
        fbb.Int("max_classes_per_detection", c.maxClassesPerDetection);
        fbb.Int("detections_per_class", c.detectionsPerClass);
        fbb.Bool("use_regular_nms", c.regular);
        fbb.Float("nms_score_threshold", c.scoreThreshold);
        fbb.Float("nms_iou_threshold", c.iouThreshold);
        fbb.Int("num_classes", c.numClasses);
        fbb.Float("y_scale", 10.0f);
        fbb.Float("x_scale", 10.0f);
        fbb.Float("h_scale", 5.0f);
        fbb.Float("w_scale", 5.0f);
    });
    fbb.Finish();
    return fbb.GetBuffer();
}

// Anchors on a grid of `side` x `side` cells, two sizes per cell (an SSD layer's layout):
// (ycenter, xcenter, h, w).
std::vector<float> gridAnchors(int side) {
    std::vector<float> a;
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            for (float size : {0.2f, 0.35f}) {
                a.push_back((float(y) + 0.5f) / float(side));
                a.push_back((float(x) + 0.5f) / float(side));
                a.push_back(size);
                a.push_back(size * 1.5f);
            }
    return a;
}

// An SSD post-processing model: boxes [1,N,4] and scores [1,N,C+1] are graph inputs, the
// anchors a constant. `type` float32, or uint8 with constant uint8 anchors.
Model detectionModel(const DetectionConfig& c, int side, TensorType type) {
    ModelBuilder b;
    const auto anchors = gridAnchors(side);
    const int32_t n = static_cast<int32_t>(anchors.size() / 4);
    const bool q = type != TensorType::FLOAT32;
    const auto boxes =
        b.addTensor("box_encodings", type, {1, n, 4}, q ? qp(0.05f, 128) : QuantParams{});
    const auto scores = b.addTensor("class_predictions", type, {1, n, c.numClasses + 1},
                                    q ? qp(1.0f / 256, 0) : QuantParams{});
    TensorIndex anchorTensor;
    if (q) {
        std::vector<uint8_t> qa;
        for (float v : anchors)
            qa.push_back(static_cast<uint8_t>(std::lround(v / (1.0f / 255))));
        anchorTensor = b.addConstant("anchors", type, {n, 4}, qa, qp(1.0f / 255, 0));
    } else {
        anchorTensor = b.addConstant("anchors", type, {n, 4}, anchors);
    }
    const int32_t d = c.maxDetections * c.maxClassesPerDetection;
    const auto ob = b.addTensor("detection_boxes", TensorType::FLOAT32, {1, d, 4});
    const auto oc = b.addTensor("detection_classes", TensorType::FLOAT32, {1, d});
    const auto os = b.addTensor("detection_scores", TensorType::FLOAT32, {1, d});
    const auto on = b.addTensor("num_detections", TensorType::FLOAT32, {1});
    b.addCustomOperator("TFLite_Detection_PostProcess", {boxes, scores, anchorTensor},
                        {ob, oc, os, on}, detectionOptions(c));
    b.setInputs({boxes, scores});
    b.setOutputs({ob, oc, os, on});
    return b.build();
}

std::vector<uint8_t> audioOptions(int window, int stride, bool squared) {
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Int("window_size", window);
        fbb.Int("stride", stride);
        fbb.Bool("magnitude_squared", squared);
    });
    fbb.Finish();
    return fbb.GetBuffer();
}

std::vector<uint8_t> mfccOptions() {
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Float("upper_frequency_limit", 4000.0f);
        fbb.Float("lower_frequency_limit", 20.0f);
        fbb.Int("filterbank_channel_count", 40);
        fbb.Int("dct_coefficient_count", 13);
    });
    fbb.Finish();
    return fbb.GetBuffer();
}

// AudioSpectrogram over [samples, 1], optionally followed by Mfcc at 16 kHz (a constant rate).
Model audioModel(int samples, int window, int stride, bool squared, bool mfcc) {
    ModelBuilder b;
    const auto wav = b.addTensor("wav", TensorType::FLOAT32, {samples, 1});
    const int rows = 1 + (samples - window) / stride;
    int n = 1;
    while (n < window)
        n <<= 1;
    const auto spec = b.addTensor("spectrogram", TensorType::FLOAT32, {1, rows, n / 2 + 1});
    b.addCustomOperator("AudioSpectrogram", {wav}, {spec}, audioOptions(window, stride, squared));
    TensorIndex out = spec;
    if (mfcc) {
        const auto rate =
            b.addConstant("rate", TensorType::INT32, {1}, std::vector<int32_t>{16000});
        out = b.addTensor("mfcc", TensorType::FLOAT32, {1, rows, 13});
        b.addCustomOperator("Mfcc", {spec, rate}, {out}, mfccOptions());
    }
    b.setInputs({wav});
    b.setOutputs({out});
    return b.build();
}

Model rfftAbsModel(std::vector<int32_t> shape, int fftH, int fftW) {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, shape);
    const auto len =
        b.addConstant("fft_length", TensorType::INT32, {2}, std::vector<int32_t>{fftH, fftW});
    std::vector<int32_t> outShape = shape;
    outShape[outShape.size() - 2] = fftH;
    outShape[outShape.size() - 1] = fftW / 2 + 1;
    const auto f = b.addTensor("spectrum", TensorType::COMPLEX64, outShape);
    const auto y = b.addTensor("magnitude", TensorType::FLOAT32, outShape);
    b.addOperator(BuiltinOp::RFFT2D, {x, len}, {f});
    b.addOperator(BuiltinOp::COMPLEX_ABS, {f}, {y});
    b.setInputs({x});
    b.setOutputs({y});
    return b.build();
}

} // namespace

TEST_CASE("generate custom fixtures", "[.generate]") {
    if (generateDir().empty()) {
        WARN("skipped: set QL_FIXTURE_OUT");
        return;
    }
    // 8x8 grid, 2 anchors per cell: 128 boxes. Random inputs (--random 1): scores uniform,
    // so many boxes pass the threshold and overlap, which exercises suppression.
    DetectionConfig fast;
    fast.numClasses = 4;
    fast.maxDetections = 10;
    saveFixture("detection_fast_float", detectionModel(fast, 8, TensorType::FLOAT32));
    saveFixture("detection_fast_uint8", detectionModel(fast, 8, TensorType::UINT8));
    DetectionConfig multi = fast;
    multi.maxClassesPerDetection = 3;
    saveFixture("detection_fast_3_classes_float", detectionModel(multi, 8, TensorType::FLOAT32));
    DetectionConfig regular = fast;
    regular.regular = true;
    regular.detectionsPerClass = 4;
    regular.iouThreshold = 0.4f;
    saveFixture("detection_regular_float", detectionModel(regular, 8, TensorType::FLOAT32));
    saveFixture("detection_regular_uint8", detectionModel(regular, 8, TensorType::UINT8));
    // Speech-commands front end: 1 s at 16 kHz would be 16000 samples; 4000 keep it small.
    saveFixture("audio_spectrogram_magnitude", audioModel(4000, 480, 160, false, false));
    saveFixture("audio_spectrogram_mfcc", audioModel(4000, 480, 160, true, true));
    // RFFT2D (padding and cropping to the FFT size) followed by COMPLEX_ABS.
    saveFixture("audio_rfft2d_abs_pad", rfftAbsModel({2, 20, 30}, 32, 32));
    saveFixture("audio_rfft2d_abs_crop", rfftAbsModel({1, 40, 70}, 32, 64));
}

TEST_CASE("Custom operators match the TFLite runtime's goldens", "[kernels][custom]") {
    const std::string root = fixtureRoot("custom");
    size_t cases = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
        if (!entry.is_directory()) continue;
        const std::string dir = entry.path().string();
        SECTION(entry.path().filename().string()) {
            const GoldenComparison c = compareWithGoldens(dir + "/model.tflite", dir);
            INFO(dir << ": " << c.error);
            REQUIRE(c.error.empty());
            CHECK(c.elements > 0);
            if (entry.path().filename() == "detection_regular_uint8") {
                // uint8 scores tie often; regular NMS cuts the candidates with a partial sort,
                // whose order among equal scores is the standard library's (TFLite's libc++
                // and libstdc++ differ), so a tied detection may be another anchor or class.
                // The selected scores and the count are the same.
                auto model = readModelFile(dir + "/model.tflite");
                REQUIRE(model);
                const OpRun run = runModel(*model.value(), {readNpy(dir + "/input_0.npy").data,
                                                            readNpy(dir + "/input_1.npy").data});
                REQUIRE(run.ok());
                CHECK(run.outputs[2] == readNpy(dir + "/output_2.npy").data);
                CHECK(run.outputs[3] == readNpy(dir + "/output_3.npy").data);
            } else if (entry.path().filename().string().rfind("detection", 0) == 0) {
                // Boxes are decoded in double and rounded once, scores copied: exact equality.
                CHECK(c.maxAbsDiff == 0.0);
            } else {
                // Audio: an FFT in double with other rounding than Ooura's rdft, then float.
                CHECK(c.relativeError() < 1e-5);
            }
        }
        ++cases;
    }
    CHECK(cases >= 5);
}

TEST_CASE("TFLite_Detection_PostProcess decodes and suppresses as hand-computed",
          "[kernels][custom]") {
    // Two anchors of one cell overlapping strongly, a third far away; 2 classes + background.
    ModelBuilder b;
    const std::vector<float> anchors{0.5f, 0.5f, 0.2f, 0.2f, 0.52f, 0.5f,
                                     0.2f, 0.2f, 0.1f, 0.1f, 0.1f,  0.1f};
    const auto boxes = b.addTensor("boxes", TensorType::FLOAT32, {1, 3, 4});
    const auto scores = b.addTensor("scores", TensorType::FLOAT32, {1, 3, 3});
    const auto anc = b.addConstant("anchors", TensorType::FLOAT32, {3, 4}, anchors);
    const auto ob = b.addTensor("b", TensorType::FLOAT32, {1, 2, 4});
    const auto oc = b.addTensor("c", TensorType::FLOAT32, {1, 2});
    const auto os = b.addTensor("s", TensorType::FLOAT32, {1, 2});
    const auto on = b.addTensor("n", TensorType::FLOAT32, {1});
    DetectionConfig c;
    c.maxDetections = 2;
    c.iouThreshold = 0.5f;
    c.scoreThreshold = 0.3f;
    b.addCustomOperator("TFLite_Detection_PostProcess", {boxes, scores, anc}, {ob, oc, os, on},
                        detectionOptions(c));
    b.setInputs({boxes, scores});
    b.setOutputs({ob, oc, os, on});
    const Model model = b.build();
    // Anchor 0: y offset 1 (/ y_scale 10 * h 0.2 = +0.02), log-size 0. Anchors 0 and 1 then
    // coincide (IoU 1): the second best (anchor 1, score 0.8) is suppressed.
    const std::vector<float> enc{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 * std::log(2.0f), 0};
    const std::vector<float> sc{0.0f, 0.9f, 0.1f, 0.0f, 0.2f, 0.8f, 0.0f, 0.35f, 0.1f};
    const OpRun run = runModel(model, {bytesOf(enc), bytesOf(sc)});
    REQUIRE(run.ok());
    const auto outBoxes = run.output<float>(0);
    const auto classes = run.output<float>(1);
    const auto outScores = run.output<float>(2);
    CHECK(run.output<float>(3) == std::vector<float>{2.0f});
    CHECK(classes == std::vector<float>{0.0f, 0.0f});
    CHECK(outScores == std::vector<float>{0.9f, 0.35f});
    CHECK(outBoxes[0] == Approx(0.42f));
    CHECK(outBoxes[1] == Approx(0.4f));
    CHECK(outBoxes[2] == Approx(0.62f));
    CHECK(outBoxes[3] == Approx(0.6f));
    // Anchor 2: h doubled by exp(5 log 2 / 5) = 2: half height 0.1.
    CHECK(outBoxes[4] == Approx(0.0f).margin(1e-6));
    CHECK(outBoxes[6] == Approx(0.2f));
    CHECK(outBoxes[5] == Approx(0.05f));
    CHECK(outBoxes[7] == Approx(0.15f));

    // Regular NMS keeps class 1 of anchor 1 (0.8): per-class suppression.
    c.regular = true;
    Model regular = model;
    regular.subgraphs[0].operators[0].customOptions = detectionOptions(c);
    const OpRun r2 = runModel(regular, {bytesOf(enc), bytesOf(sc)});
    REQUIRE(r2.ok());
    CHECK(r2.output<float>(2) == std::vector<float>{0.9f, 0.8f});
    CHECK(r2.output<float>(1) == std::vector<float>{0.0f, 1.0f});
}

TEST_CASE("TFLite_Detection_PostProcess fails at prepare on bad options and shapes",
          "[kernels][custom]") {
    DetectionConfig c;
    Model m = detectionModel(c, 2, TensorType::FLOAT32);
    CHECK(prepareError(m).empty());
    Model noOptions = m;
    noOptions.subgraphs[0].operators[0].customOptions.clear();
    CHECK(prepareError(noOptions) == "operator 0 (CUSTOM 'TFLite_Detection_PostProcess'): custom "
                                     "option 'max_detections' is missing or not a number");
    Model garbage = m;
    garbage.subgraphs[0].operators[0].customOptions = {1, 2, 3};
    CHECK(prepareError(garbage) == "operator 0 (CUSTOM 'TFLite_Detection_PostProcess'): custom "
                                   "options (3 bytes) are not a valid flexbuffer");
    DetectionConfig badIou = c;
    badIou.iouThreshold = 0.0f;
    Model iou = m;
    iou.subgraphs[0].operators[0].customOptions = detectionOptions(badIou);
    CHECK_THAT(prepareError(iou), Catch::Contains("nms_iou_threshold"));
    DetectionConfig tooManyClasses = c;
    tooManyClasses.numClasses = 5; // scores have 3 columns
    Model cls = m;
    cls.subgraphs[0].operators[0].customOptions = detectionOptions(tooManyClasses);
    CHECK_THAT(prepareError(cls), Catch::Contains("num_classes 5"));
}

namespace {

std::vector<uint8_t> poolParams(int padding, int stride, int filter, int activation = 0) {
    const std::vector<int32_t> v{padding, stride, stride, filter, filter, activation, 0, 0, 0, 0};
    return bytesOf(v);
}

} // namespace

TEST_CASE("MaxPoolingWithArgmax2D and MaxUnpooling2D as MediaPipe computes them",
          "[kernels][custom]") {
    // 1x3x4x1 input, 2x2 window, stride 2, SAME: output 2x2; padding total rows (2-1)*2+2-3 = 1
    // -> 0 before (the extra row is after), so the last output row sees one clipped input row.
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 3, 4, 1});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 2, 2, 1});
    const auto idx = b.addTensor("idx", TensorType::FLOAT32, {1, 2, 2, 1});
    const auto up = b.addTensor("up", TensorType::FLOAT32, {1, 4, 4, 1});
    b.addCustomOperator("MaxPoolingWithArgmax2D", {x}, {y, idx}, poolParams(1, 2, 2));
    b.addCustomOperator("MaxUnpooling2D", {y, idx}, {up}, poolParams(1, 2, 2));
    b.setInputs({x});
    b.setOutputs({y, idx, up});
    const Model model = b.build();
    const std::vector<float> in{1,  5,  2,  2, //
                                3,  4,  7,  2, //
                                -3, -1, -2, -4};
    const OpRun run = runModel(model, {bytesOf(in)});
    REQUIRE(run.ok());
    CHECK(run.output<float>(0) == std::vector<float>{5, 7, -1, -2});
    // Window positions fy * 2 + fx, plus 0.1.
    CHECK(run.output<float>(1) == std::vector<float>{1.1f, 2.1f, 1.1f, 0.1f});
    // Unpooling: 4x4 output (filter-sized), each maximum back at its place, zeros elsewhere.
    CHECK(run.output<float>(2) == std::vector<float>{0, 5, 0, 0,   //
                                                     0, 0, 7, 0,   //
                                                     0, -1, -2, 0, //
                                                     0, 0, 0, 0});
    CHECK(run.shapes[2] == std::vector<int32_t>{1, 4, 4, 1});

    // An index outside its window (untrusted data) is skipped, never written out of bounds.
    ModelBuilder u;
    const auto v = u.addTensor("v", TensorType::FLOAT32, {1, 1, 1, 1});
    const auto i = u.addTensor("i", TensorType::FLOAT32, {1, 1, 1, 1});
    const auto o = u.addTensor("o", TensorType::FLOAT32, {1, 2, 2, 1});
    u.addCustomOperator("MaxUnpooling2D", {v, i}, {o}, poolParams(2, 2, 2));
    u.setInputs({v, i});
    u.setOutputs({o});
    const Model unpool = u.build();
    for (float bad : {4.0f, -1.0f, 1e30f, std::nanf("")}) {
        const OpRun r =
            runModel(unpool, {bytesOf(std::vector<float>{9}), bytesOf(std::vector<float>{bad})});
        REQUIRE(r.ok());
        CHECK(r.output<float>(0) == std::vector<float>{0, 0, 0, 0});
    }
    const OpRun good =
        runModel(unpool, {bytesOf(std::vector<float>{9}), bytesOf(std::vector<float>{3.1f})});
    REQUIRE(good.ok());
    CHECK(good.output<float>(0) == std::vector<float>{0, 0, 0, 9});
}

TEST_CASE("MediaPipe pooling operators fail at prepare on bad options", "[kernels][custom]") {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4, 4, 1});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 2, 2, 1});
    const auto idx = b.addTensor("idx", TensorType::FLOAT32, {1, 2, 2, 1});
    b.addCustomOperator("MaxPoolingWithArgmax2D", {x}, {y, idx}, poolParams(3, 2, 2));
    b.setInputs({x});
    b.setOutputs({y, idx});
    Model m = b.build();
    CHECK(prepareError(m) == "operator 0 (CUSTOM 'MaxPoolingWithArgmax2D'): custom options give "
                             "padding 3, expected 1 (SAME) or 2 (VALID)");
    m.subgraphs[0].operators[0].customOptions = poolParams(1, 0, 2);
    CHECK(prepareError(m) == "operator 0 (CUSTOM 'MaxPoolingWithArgmax2D'): custom options give "
                             "stride_width 0, expected 1 to 4096");
    m.subgraphs[0].operators[0].customOptions.resize(8);
    CHECK_THAT(prepareError(m), Catch::Contains("hold 8 bytes, expected at least 24"));
}

TEST_CASE("AudioSpectrogram finds a tone in its bin", "[kernels][custom]") {
    // A cosine at exactly bin 8 of a 64-point FFT (window 64, no zero padding): the periodic
    // Hann window spreads it over bins 7, 8 and 9 with magnitudes N/8, N/4, N/8 (N = 64) times
    // the amplitude; every other bin is 0.
    const Model m = audioModel(64 + 2 * 32, 64, 32, false, false);
    std::vector<float> wav(128);
    const double pi = std::atan(1.0) * 4.0;
    for (size_t i = 0; i < wav.size(); ++i)
        wav[i] = float(std::cos(2 * pi * 8 * double(i) / 64));
    const OpRun run = runModel(m, {bytesOf(wav)});
    REQUIRE(run.ok());
    REQUIRE(run.shapes[0] == std::vector<int32_t>{1, 3, 33});
    const auto out = run.output<float>(0);
    for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 33; ++k) {
            const float expected = k == 8 ? 16.0f : (k == 7 || k == 9) ? 8.0f : 0.0f;
            CHECK(out[size_t(r * 33 + k)] == Approx(expected).margin(1e-4));
        }
}

TEST_CASE("Audio operators fail at prepare on bad options", "[kernels][custom]") {
    Model m = audioModel(1000, 256, 128, true, true);
    CHECK(prepareError(m).empty());
    m.subgraphs[0].operators[0].customOptions = audioOptions(1, 128, true);
    CHECK(prepareError(m) == "operator 0 (CUSTOM 'AudioSpectrogram'): custom option window_size "
                             "must be a number from 2 to 1048576");
    Model mf = audioModel(1000, 256, 128, true, true);
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Int("upper_frequency_limit", 4000);
        fbb.Int("lower_frequency_limit", 20);
        fbb.Int("filterbank_channel_count", 10);
        fbb.Int("dct_coefficient_count", 13);
    });
    fbb.Finish();
    mf.subgraphs[0].operators[1].customOptions = fbb.GetBuffer();
    CHECK_THAT(
        prepareError(mf),
        Catch::Contains("dct_coefficient_count 13 must be from 1 to filterbank_channel_count 10"));
}

TEST_CASE("RFFT2D and COMPLEX_ABS compute the 2-D spectrum's magnitude", "[kernels][custom]") {
    // A constant image of ones: all energy in bin (0, 0) = H * W; a plane wave along the
    // width at frequency 1: magnitude H * W / 2 at (0, 1) only (cropped and padded sizes equal
    // the input here).
    const Model m = rfftAbsModel({1, 4, 8}, 4, 8);
    std::vector<float> ones(32, 1.0f), wave(32);
    const double pi = std::atan(1.0) * 4.0;
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 8; ++c)
            wave[size_t(r * 8 + c)] = float(std::cos(2 * pi * c / 8));
    const OpRun a = runModel(m, {bytesOf(ones)});
    REQUIRE(a.ok());
    REQUIRE(a.shapes[0] == std::vector<int32_t>{1, 4, 5});
    const auto ma = a.output<float>(0);
    const OpRun w = runModel(m, {bytesOf(wave)});
    REQUIRE(w.ok());
    const auto mw = w.output<float>(0);
    for (size_t i = 0; i < 20; ++i) {
        CHECK(ma[i] == Approx(i == 0 ? 32.0f : 0.0f).margin(1e-5));
        CHECK(mw[i] == Approx(i == 1 ? 16.0f : 0.0f).margin(1e-5));
    }
    Model bad = rfftAbsModel({1, 4, 8}, 4, 6);
    CHECK_THAT(prepareError(bad), Catch::Contains("fft_length[1] = 6 must be a power of two"));
}
