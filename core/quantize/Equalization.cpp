#include "quantize/Equalization.h"

#include "quantize/GraphEdit.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace ql::quantize {
namespace {

// A constant float32 weight tensor viewed along one axis: element i belongs to channel
// (i / inner) % channels.
struct AxisView {
    size_t channels = 0, inner = 1;
    size_t channelOf(size_t i) const { return (i / inner) % channels; }
};

AxisView axisView(const std::vector<int32_t>& shape, size_t axis) {
    AxisView v;
    v.channels = size_t(shape[axis]);
    for (size_t d = axis + 1; d < shape.size(); ++d) v.inner *= size_t(shape[d]);
    return v;
}

std::vector<double> channelMaxAbs(const std::vector<float>& w, const AxisView& v) {
    std::vector<double> r(v.channels, 0.0);
    for (size_t i = 0; i < w.size(); ++i) r[v.channelOf(i)] = std::max(r[v.channelOf(i)], double(std::fabs(w[i])));
    return r;
}

struct PairSide {
    TensorIndex weights, bias; // bias may be invalid
    AxisView view;             // op1: output channels; op2: input channels
};

struct Pair {
    PairSide first, second;
};

bool isEqualizableOp(const Operator& op) {
    if (op.op == BuiltinOp::CONV_2D) return op.options.AsConv2DOptions() != nullptr;
    if (op.op == BuiltinOp::DEPTHWISE_CONV_2D) {
        const auto* o = op.options.AsDepthwiseConv2DOptions();
        return o && o->depth_multiplier == 1;
    }
    return false;
}

Activation fusedActivation(const Operator& op) {
    if (const auto* o = op.options.AsConv2DOptions()) return o->fused_activation_function;
    if (const auto* o = op.options.AsDepthwiseConv2DOptions()) return o->fused_activation_function;
    return Activation::NONE;
}

class Equalizer {
public:
    explicit Equalizer(Model& m) : m_model(m), m_sg(m.subgraphs[0]) {}

    EqualizationReport run(size_t maxSweeps, double tolerance) {
        m_model.rebuildIndex();
        findPairs();
        EqualizationReport rep;
        rep.pairs = m_pairs.size();
        rep.skippedRelu6 = m_skipped;
        for (size_t sweep = 0; sweep < maxSweeps && !m_pairs.empty(); ++sweep) {
            double maxMove = 0, maxRatio = 0;
            for (const Pair& p : m_pairs) maxMove = std::max(maxMove, equalize(p, &maxRatio));
            if (sweep == 0) rep.maxRangeRatioBefore = maxRatio;
            rep.sweeps = sweep + 1;
            if (maxMove <= tolerance) break;
        }
        double after = 0;
        for (const Pair& p : m_pairs) after = std::max(after, ratio(p));
        rep.maxRangeRatioAfter = after;
        writeBack();
        return rep;
    }

private:
    bool singleUse(TensorIndex t) const { return m_sg.consumers[t.index()].size() == 1; }
    bool floatConstant(TensorIndex t) const {
        return t.valid() && m_sg.tensor(t).type == TensorType::FLOAT32 && m_model.isConstant(m_sg.tensor(t));
    }
    std::vector<float>& values(TensorIndex t) {
        auto it = m_values.find(t.value);
        if (it == m_values.end()) it = m_values.emplace(t.value, constantFloats(m_model, m_sg.tensor(t))).first;
        return it->second;
    }

    void findPairs() {
        for (size_t i = 0; i < m_sg.operators.size(); ++i) {
            const Operator& a = m_sg.operators[i];
            if (!isEqualizableOp(a) || a.inputs.size() < 2 || a.outputs.size() != 1) continue;
            const TensorIndex mid = a.outputs[0];
            const auto& readers = m_sg.consumers[mid.index()];
            if (readers.size() != 1) continue;
            if (std::find(m_sg.outputs.begin(), m_sg.outputs.end(), mid) != m_sg.outputs.end()) continue;
            const Operator& b = m_sg.op(readers[0]);
            if (!isEqualizableOp(b) || b.inputs.size() < 2 || b.inputs[0] != mid) continue;
            const Activation act = fusedActivation(a);
            if (act != Activation::NONE && act != Activation::RELU) {
                ++m_skipped; // RELU6 and other clamps are not positive-homogeneous
                continue;
            }
            const TensorIndex w1 = a.inputs[1], w2 = b.inputs[1];
            const TensorIndex b1 = a.inputs.size() > 2 ? a.inputs[2] : TensorIndex{};
            if (!floatConstant(w1) || !floatConstant(w2) || !singleUse(w1) || !singleUse(w2)) continue;
            if (b1.valid() && (!floatConstant(b1) || !singleUse(b1))) continue;
            const auto& s1 = m_sg.tensor(w1).shape;
            const auto& s2 = m_sg.tensor(w2).shape;
            if (s1.size() != 4 || s2.size() != 4) continue;
            Pair p;
            p.first = {w1, b1, axisView(s1, a.op == BuiltinOp::CONV_2D ? 0 : 3)};
            p.second = {w2, {}, axisView(s2, 3)}; // CONV_2D OHWI: I; depthwise (multiplier 1): C
            if (p.first.view.channels != p.second.view.channels || p.first.view.channels == 0) continue;
            if (b1.valid() && size_t(m_sg.tensor(b1).elementCount()) != p.first.view.channels) continue;
            if (values(w1).size() != size_t(m_sg.tensor(w1).elementCount()) ||
                values(w2).size() != size_t(m_sg.tensor(w2).elementCount()) ||
                (b1.valid() && values(b1).size() != p.first.view.channels))
                continue;
            m_pairs.push_back(p);
        }
    }

    double ratio(const Pair& p) {
        const auto r1 = channelMaxAbs(values(p.first.weights), p.first.view);
        const auto r2 = channelMaxAbs(values(p.second.weights), p.second.view);
        double worst = 0;
        for (size_t c = 0; c < r1.size(); ++c)
            if (r1[c] > 0 && r2[c] > 0) worst = std::max(worst, std::max(r1[c] / r2[c], r2[c] / r1[c]));
        return worst;
    }

    // One pair: s_c = sqrt(r1_c * r2_c) / r2_c; W1_c /= s_c, b1_c /= s_c, W2_c *= s_c.
    // Returns max |log s_c| (0 when the pair is already equalized).
    double equalize(const Pair& p, double* maxRatio) {
        std::vector<float>& w1 = values(p.first.weights);
        std::vector<float>& w2 = values(p.second.weights);
        const auto r1 = channelMaxAbs(w1, p.first.view);
        const auto r2 = channelMaxAbs(w2, p.second.view);
        std::vector<double> s(r1.size(), 1.0);
        double move = 0;
        for (size_t c = 0; c < s.size(); ++c) {
            if (!(r1[c] > 0) || !(r2[c] > 0)) continue; // a dead channel: leave it alone
            *maxRatio = std::max(*maxRatio, std::max(r1[c] / r2[c], r2[c] / r1[c]));
            s[c] = std::sqrt(r1[c] * r2[c]) / r2[c];
            move = std::max(move, std::fabs(std::log(s[c])));
        }
        for (size_t i = 0; i < w1.size(); ++i) w1[i] = float(double(w1[i]) / s[p.first.view.channelOf(i)]);
        if (p.first.bias.valid()) {
            std::vector<float>& b1 = values(p.first.bias);
            for (size_t c = 0; c < b1.size(); ++c) b1[c] = float(double(b1[c]) / s[c]);
        }
        for (size_t i = 0; i < w2.size(); ++i) w2[i] = float(double(w2[i]) * s[p.second.view.channelOf(i)]);
        return move;
    }

    void writeBack() {
        for (auto& [index, v] : m_values) {
            std::vector<uint8_t> bytes(v.size() * sizeof(float));
            if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
            // Fresh buffer: the original may be shared with another tensor or the source file.
            m_sg.tensors[size_t(index)].buffer = m_model.addBuffer(std::move(bytes));
        }
    }

    Model& m_model;
    Subgraph& m_sg;
    std::vector<Pair> m_pairs;
    size_t m_skipped = 0;
    std::map<int32_t, std::vector<float>> m_values; // working copies of touched constants
};

} // namespace

EqualizationReport equalizeCrossLayer(Model& model, size_t maxSweeps, double tolerance) {
    if (model.subgraphs.empty()) return {};
    return Equalizer(model).run(maxSweeps, tolerance);
}

} // namespace ql::quantize
