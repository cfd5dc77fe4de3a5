#include "train/Export.h"

#include "model/ModelBuilder.h"
#include "tflite/Metadata.h"
#include "tflite/ModelWriter.h"

namespace ql::train {

Result<Model> exportModel(const Sequential& net, const ExportInfo& info) {
    const Shape3 in = net.inputShape();
    ModelBuilder b;
    const TensorIndex input = b.addTensor("input", TensorType::FLOAT32, {1, in.h, in.w, in.c});
    TensorIndex cur = input;
    for (size_t i = 0; i < net.layerCount(); ++i) {
        const Layer& l = net.layer(i);
        const Shape3 o = l.outputShape();
        const std::string& name = l.name();
        switch (l.kind()) {
        case Layer::Kind::Conv2D: {
            const ConvConfig c = convConfig(l);
            const Shape3 li = l.inputShape();
            // ours [K*K*C_in, F] row-major -> TFLite [F, K, K, C_in]: the transpose.
            const auto& w = l.params()[0].value;
            const int rows = c.kernel * c.kernel * li.c;
            std::vector<float> filter(w.size());
            for (int r = 0; r < rows; ++r)
                for (int f = 0; f < c.filters; ++f) filter[size_t(f) * rows + r] = w[size_t(r) * c.filters + f];
            const TensorIndex wt = b.addConstant(name + "/kernel", TensorType::FLOAT32, {c.filters, c.kernel, c.kernel, li.c}, filter);
            const TensorIndex bt = b.addConstant(name + "/bias", TensorType::FLOAT32, {c.filters}, l.params()[1].value);
            const TensorIndex out = b.addTensor(name + "/Conv2D", TensorType::FLOAT32, {1, o.h, o.w, o.c});
            b.addOperator(BuiltinOp::CONV_2D, {cur, wt, bt}, {out},
                          conv2dOptions(Padding::SAME, 1, 1, c.relu ? Activation::RELU : Activation::NONE));
            cur = out;
            break;
        }
        case Layer::Kind::MaxPool2D: {
            const int s = poolSize(l);
            const TensorIndex out = b.addTensor(name + "/MaxPool", TensorType::FLOAT32, {1, o.h, o.w, o.c});
            b.addOperator(BuiltinOp::MAX_POOL_2D, {cur}, {out}, poolOptions(Padding::VALID, s, s, s, s));
            cur = out;
            break;
        }
        case Layer::Kind::Flatten: {
            const int32_t n = int32_t(o.size());
            const TensorIndex shape = b.addConstant(name + "/shape", TensorType::INT32, {2}, std::vector<int32_t>{1, n});
            const TensorIndex out = b.addTensor(name + "/Reshape", TensorType::FLOAT32, {1, n});
            b.addOperator(BuiltinOp::RESHAPE, {cur, shape}, {out}, reshapeOptions({1, n}));
            cur = out;
            break;
        }
        case Layer::Kind::Dense: {
            const int fin = int(l.inputShape().size()), units = int(o.size());
            if (b.subgraph().tensor(cur).shape.size() != 2)
                return makeError("export: dense layer '" + name + "' needs a Flatten before it");
            // ours [in, out] -> TFLite weights [out, in].
            const auto& w = l.params()[0].value;
            std::vector<float> weights(w.size());
            for (int r = 0; r < fin; ++r)
                for (int u = 0; u < units; ++u) weights[size_t(u) * fin + r] = w[size_t(r) * units + u];
            const TensorIndex wt = b.addConstant(name + "/kernel", TensorType::FLOAT32, {units, fin}, weights);
            const TensorIndex bt = b.addConstant(name + "/bias", TensorType::FLOAT32, {units}, l.params()[1].value);
            const TensorIndex out = b.addTensor(name + "/MatMul", TensorType::FLOAT32, {1, units});
            b.addOperator(BuiltinOp::FULLY_CONNECTED, {cur, wt, bt}, {out},
                          fullyConnectedOptions(denseRelu(l) ? Activation::RELU : Activation::NONE));
            cur = out;
            break;
        }
        case Layer::Kind::Dropout:
            break;
        case Layer::Kind::Softmax: {
            const TensorIndex out = b.addTensor(name + "/Softmax", TensorType::FLOAT32, b.subgraph().tensor(cur).shape);
            b.addOperator(BuiltinOp::SOFTMAX, {cur}, {out}, softmaxOptions(1.0f));
            cur = out;
            break;
        }
        }
    }
    b.setInputs({input});
    b.setOutputs({cur});
    b.subgraph().name = "main";
    Model m = b.build();
    m.description = info.name + (info.description.empty() ? "" : ": " + info.description);
    m.signatures.push_back(SignatureDef{"serving_default", SubgraphIndex{0}, {{"input", input}}, {{"probabilities", cur}}});

    ModelMetadataInfo meta;
    meta.name = info.name;
    meta.description = info.description;
    meta.version = info.version;
    meta.author = info.author;
    TensorMetadataInfo image;
    image.name = "image";
    image.description = "Input image, normalised as (pixel - mean) / std";
    image.mean = {info.normalisation.mean};
    image.std = {info.normalisation.std};
    image.colorSpace = in.c == 1 ? "GRAYSCALE" : in.c == 3 ? "RGB" : "";
    meta.inputs.push_back(image);
    TensorMetadataInfo probs;
    probs.name = "probability";
    probs.description = "Probability of each class";
    if (!info.labels.empty()) probs.associatedFiles = {"labels.txt"};
    meta.outputs.push_back(probs);
    m.metadata.push_back({"TFLITE_METADATA", m.addBuffer(encodeModelMetadata(meta))});
    if (!info.labels.empty()) {
        std::string text;
        for (const std::string& label : info.labels) text += label + "\n";
        m.metadata.push_back({"labels.txt", m.addBuffer(std::vector<uint8_t>(text.begin(), text.end()))});
    }
    const std::string runtime = "1.14.0";
    std::vector<uint8_t> rt(runtime.begin(), runtime.end());
    rt.resize(16, 0);
    m.metadata.push_back({"min_runtime_version", m.addBuffer(std::move(rt))});
    return m;
}

Status writeTrainedModel(const Sequential& net, const ExportInfo& info, const std::string& path) {
    auto model = exportModel(net, info);
    if (!model) return model.error();
    return writeModelFile(model.value(), path);
}

} // namespace ql::train
