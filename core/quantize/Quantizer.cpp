#include "quantize/Quantizer.h"

#include "quantize/GraphEdit.h"
#include "quantize/LowBitWeights.h"
#include "tflite/Validate.h"
#include "quantize/OptionChecks.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::quantize {

Result<Mode> parseMode(std::string_view t) {
    if (t == "none") return Mode::None;
    if (t == "float16") return Mode::Float16;
    if (t == "dynamic") return Mode::Dynamic;
    if (t == "int8") return Mode::Int8;
    if (t == "int8-only") return Mode::Int8Only;
    if (t == "int16x8") return Mode::Int16x8;
    return makeError("unknown mode '" + std::string(t) + "' (none, float16, dynamic, int8, int8-only, int16x8)");
}

std::string_view modeName(Mode m) {
    switch (m) {
    case Mode::None: return "none";
    case Mode::Float16: return "float16";
    case Mode::Dynamic: return "dynamic";
    case Mode::Int8: return "int8";
    case Mode::Int8Only: return "int8-only";
    case Mode::Int16x8: return "int16x8";
    }
    return "?";
}

Result<IoType> parseIoType(std::string_view t) {
    if (t == "float") return IoType::Float;
    if (t == "int8") return IoType::Int8;
    if (t == "uint8") return IoType::UInt8;
    return makeError("unknown --io type '" + std::string(t) + "' (int8, uint8, float)");
}

bool needsCalibration(Mode m) { return m == Mode::Int8 || m == Mode::Int8Only || m == Mode::Int16x8; }

QuantizedWeights quantizeWeightsInt8(std::span<const float> w, const std::vector<int32_t>& shape, int axis,
                                     std::span<const float> minScale) {
    QuantizedWeights out;
    size_t channels = 1, inner = 1;
    if (axis >= 0 && size_t(axis) < shape.size()) {
        channels = size_t(shape[size_t(axis)]);
        for (size_t d = size_t(axis) + 1; d < shape.size(); ++d) inner *= size_t(shape[d]);
    } else {
        axis = -1;
    }
    std::vector<float> maxAbs(channels, 0.0f);
    for (size_t i = 0; i < w.size(); ++i) {
        const size_t c = axis >= 0 ? (i / inner) % channels : 0;
        maxAbs[c] = std::max(maxAbs[c], std::fabs(w[i]));
    }
    out.params.scale.resize(channels);
    out.params.zeroPoint.assign(channels, 0);
    out.params.quantizedDimension = axis >= 0 ? axis : 0;
    for (size_t c = 0; c < channels; ++c) {
        // An all-zero channel: any scale represents it; 1 keeps its bias scale s_in.
        float s = maxAbs[c] > 0.0f ? maxAbs[c] / 127.0f : 1.0f;
        if (c < minScale.size()) s = std::max(s, minScale[c]);
        out.params.scale[c] = s;
    }
    out.values.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
        const size_t c = axis >= 0 ? (i / inner) % channels : 0;
        const float q = std::round(w[i] / out.params.scale[c]);
        out.values[i] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
    }
    return out;
}

namespace {

// Integer modes turn float constants into integers through scale = max|w| / qmax: one NaN or
// inf makes the scale non-finite and the float -> int conversion undefined. TFLite's
// quantizer has no such check (it writes inf/NaN scales); QuantLab refuses the file instead.
Status requireFiniteConstants(const Model& m) {
    for (size_t sg = 0; sg < m.subgraphs.size(); ++sg) {
        const Subgraph& g = m.subgraphs[sg];
        for (size_t t = 0; t < g.tensors.size(); ++t) {
            const Tensor& tensor = g.tensors[t];
            if (tensor.type != TensorType::FLOAT32 || tensor.sparsity || !m.isConstant(tensor)) continue;
            const Buffer& buf = m.buffer(tensor.buffer);
            const size_t n = buf.size / sizeof(float);
            for (size_t i = 0; i < n; ++i) {
                float v;
                std::memcpy(&v, buf.data + i * sizeof(float), sizeof v);
                if (std::isfinite(v)) continue;
                std::string who = describeTensor(m, sg, TensorIndex{t});
                if (t < g.consumers.size() && !g.consumers[t].empty())
                    who += " (read by " + describeOperator(m, sg, g.consumers[t].front()) + ")";
                return makeError(who + ": element " + std::to_string(i) + " is " + std::to_string(v) +
                                 "; quantizing needs finite constants");
            }
        }
    }
    return {};
}

} // namespace

Result<QuantizeResult> quantizeModel(const Model& floatModel, const calib::CalibrationStats* stats,
                                     const QuantizeOptions& options) {
    if (Status st = checkOptions(floatModel, options); !st) return st.error();
    if (options.mode != Mode::None && options.mode != Mode::Float16)
        if (Status s = requireFiniteConstants(floatModel); !s) return s.error();
    switch (options.mode) {
    case Mode::None: {
        QuantizeResult r{floatModel, {}};
        return r;
    }
    case Mode::Float16: return quantizeFloat16(floatModel);
    case Mode::Dynamic: return quantizeDynamic(floatModel, options);
    case Mode::Int8:
    case Mode::Int8Only:
    case Mode::Int16x8: {
        if (!stats) return makeError("mode " + std::string(modeName(options.mode)) + " needs calibration data");
        // --weights-for NAME=float keeps those operators in float (by their first output).
        QuantizeOptions o = options;
        for (const Subgraph& sg : floatModel.subgraphs)
            for (const Operator& op : sg.operators)
                if (weightTypeFor(sg, op, options) == WeightType::Float && !op.outputs.empty() && op.outputs[0].valid())
                    o.keepFloat.push_back(sg.tensor(op.outputs[0]).name);
        return quantizeInteger(floatModel, *stats, o);
    }
    }
    return makeError("unknown mode");
}

} // namespace ql::quantize
