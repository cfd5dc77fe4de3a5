// One-operator timing of the custom operator families against the TFLite oracle (XNNPACK
// wasm SIMD, 1 thread): writes realistic single-operator models into DIR and runs
// bench_inference on each (QuantLab median vs the oracle's `--repeat` median, same inputs).
//   bench_custom_ops DIR [--runs N]
// Shapes: SSD MobileNet's post-processing (1917 anchors, 90 classes + background, fast NMS and
// regular NMS), the speech-commands front end (1 s of 16 kHz audio, 30 ms windows every 10 ms,
// then 40-channel MFCC), and MaxPoolingWithArgmax2D / MaxUnpooling2D on [1,128,128,32] (hair
// segmentation's first stage; not in the oracle: QuantLab's time only).
#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <flatbuffers/flexbuffers.h>
#include <fstream>
#include <string>

using namespace ql;

namespace {

bool save(const Model& m, const std::string& path) {
    auto bytes = serializeModel(m);
    if (!bytes) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), bytes.message().c_str());
        return false;
    }
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.value().data()),
               std::streamsize(bytes.value().size()));
    return true;
}

Model detection(bool regular) {
    constexpr int kAnchors = 1917, kClasses = 90;
    ModelBuilder b;
    std::vector<float> anchors;
    for (int i = 0; i < kAnchors; ++i) {
        const float y = float(i % 45) / 45.0f, x = float(i / 45) / 43.0f,
                    s = 0.1f + 0.3f * float(i % 6) / 6.0f;
        anchors.insert(anchors.end(), {y, x, s, s});
    }
    const auto boxes = b.addTensor("box_encodings", TensorType::FLOAT32, {1, kAnchors, 4});
    const auto scores =
        b.addTensor("class_predictions", TensorType::FLOAT32, {1, kAnchors, kClasses + 1});
    const auto anc = b.addConstant("anchors", TensorType::FLOAT32, {kAnchors, 4}, anchors);
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Int("max_detections", 10);
        fbb.Int("max_classes_per_detection", 1);
        fbb.Int("detections_per_class", 100);
        fbb.Bool("use_regular_nms", regular);
        fbb.Float("nms_score_threshold", 0.3f);
        fbb.Float("nms_iou_threshold", 0.6f);
        fbb.Int("num_classes", kClasses);
        fbb.Float("y_scale", 10.0f);
        fbb.Float("x_scale", 10.0f);
        fbb.Float("h_scale", 5.0f);
        fbb.Float("w_scale", 5.0f);
    });
    fbb.Finish();
    const auto ob = b.addTensor("detection_boxes", TensorType::FLOAT32, {1, 10, 4});
    const auto oc = b.addTensor("detection_classes", TensorType::FLOAT32, {1, 10});
    const auto os = b.addTensor("detection_scores", TensorType::FLOAT32, {1, 10});
    const auto on = b.addTensor("num_detections", TensorType::FLOAT32, {1});
    b.addCustomOperator("TFLite_Detection_PostProcess", {boxes, scores, anc}, {ob, oc, os, on},
                        fbb.GetBuffer());
    b.setInputs({boxes, scores});
    b.setOutputs({ob, oc, os, on});
    return b.build();
}

Model speechFrontEnd() {
    ModelBuilder b;
    const auto wav = b.addTensor("wav", TensorType::FLOAT32, {16000, 1});
    const auto spec = b.addTensor("spectrogram", TensorType::FLOAT32, {1, 98, 257});
    flexbuffers::Builder a;
    a.Map([&] {
        a.Int("window_size", 480);
        a.Int("stride", 160);
        a.Bool("magnitude_squared", true);
    });
    a.Finish();
    b.addCustomOperator("AudioSpectrogram", {wav}, {spec}, a.GetBuffer());
    const auto rate = b.addConstant("rate", TensorType::INT32, {1}, std::vector<int32_t>{16000});
    const auto mfcc = b.addTensor("mfcc", TensorType::FLOAT32, {1, 98, 40});
    flexbuffers::Builder m;
    m.Map([&] {
        m.Float("upper_frequency_limit", 7600.0f);
        m.Float("lower_frequency_limit", 20.0f);
        m.Int("filterbank_channel_count", 40);
        m.Int("dct_coefficient_count", 40);
    });
    m.Finish();
    b.addCustomOperator("Mfcc", {spec, rate}, {mfcc}, m.GetBuffer());
    b.setInputs({wav});
    b.setOutputs({mfcc});
    return b.build();
}

Model argmaxPooling() {
    ModelBuilder b;
    const std::vector<int32_t> params{1, 2, 2, 2, 2, 0, 0, 0, 0, 0}; // SAME, stride 2, 2x2
    std::vector<uint8_t> raw(params.size() * 4);
    std::memcpy(raw.data(), params.data(), raw.size());
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 128, 128, 32});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 64, 64, 32});
    const auto i = b.addTensor("indices", TensorType::FLOAT32, {1, 64, 64, 32});
    const auto up = b.addTensor("unpooled", TensorType::FLOAT32, {1, 128, 128, 32});
    b.addCustomOperator("MaxPoolingWithArgmax2D", {x}, {y, i}, raw);
    b.addCustomOperator("MaxUnpooling2D", {y, i}, {up}, raw);
    b.setInputs({x});
    b.setOutputs({up});
    return b.build();
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_custom_ops DIR [--runs N]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const std::string runs = argc >= 4 && std::string(argv[2]) == "--runs" ? argv[3] : "50";
    std::filesystem::create_directories(dir);
    struct Case {
        const char* name;
        Model model;
        bool oracle;
    };
    Case cases[] = {{"detection_fast", detection(false), true},
                    {"detection_regular", detection(true), true},
                    {"speech_front_end", speechFrontEnd(), true},
                    {"argmax_pool_unpool", argmaxPooling(), false}};
    for (Case& c : cases) {
        const std::string path = dir + "/" + c.name + ".tflite";
        if (!save(c.model, path)) return 1;
        std::printf("== %s (%s)\n", c.name, path.c_str());
        std::fflush(stdout);
        const std::string cmd = std::string("'") + QUANTLAB_BENCH_INFERENCE + "' '" + path +
                                "' --runs " + runs + (c.oracle ? "" : " --no-oracle");
        if (std::system(cmd.c_str()) != 0) std::printf("(bench_inference failed)\n");
    }
    return 0;
}
