// The static health checks (HealthCheck.h): weights, biases and activation parameters as the
// file states them. The saturation pass over data is in HealthSaturation.cpp.
#include "analysis/HealthCheck.h"

#include "analysis/HealthSupport.h"
#include "analysis/OperatorQuant.h"
#include "model/OptionsInfo.h"
#include "quant/FixedPoint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ql::analysis {

namespace {

std::string fmt(const char* f, double a) {
    char tmp[64];
    std::snprintf(tmp, sizeof tmp, f, a);
    return tmp;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// "3, 7, 12 (+4 more)"
std::string channelList(const std::vector<size_t>& cs, size_t limit) {
    std::string s;
    for (size_t i = 0; i < cs.size() && i < limit; ++i) s += (i ? ", " : "") + std::to_string(cs[i]);
    if (cs.size() > limit) s += " (+" + std::to_string(cs.size() - limit) + " more)";
    return s;
}

// Which inputs of a weighted operator are activation, weight and bias (-1: none).
struct WeightSlots {
    int input = -1, weight = -1, bias = -1;
};
WeightSlots weightSlots(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::CONV_2D:
    case BuiltinOp::DEPTHWISE_CONV_2D:
    case BuiltinOp::FULLY_CONNECTED:
    case BuiltinOp::CONV_3D: return {0, 1, 2};
    case BuiltinOp::TRANSPOSE_CONV: return {2, 1, 3};
    default: return {};
    }
}

// Output channel axis: the quantized dimension, else the last for DEPTHWISE_CONV_2D/CONV_3D, or 0.
int channelAxis(const Operator& op, const Tensor& w) {
    if (w.quant.isPerChannel()) return w.quant.quantizedDimension;
    if (op.op == BuiltinOp::DEPTHWISE_CONV_2D || op.op == BuiltinOp::CONV_3D) return int(w.shape.size()) - 1;
    return 0;
}

struct ChannelFacts {
    std::vector<int32_t> absMax;
    std::vector<int64_t> absSum;
    int64_t perChannel = 0; // K: weights per output channel
};

// |q| max and sum per channel of int8 weights along `axis` (row-major).
ChannelFacts channelFacts(std::span<const int8_t> q, const std::vector<int32_t>& shape, int axis) {
    ChannelFacts f;
    if (axis < 0 || axis >= int(shape.size()) || shape[size_t(axis)] <= 0) return f;
    const size_t channels = size_t(shape[size_t(axis)]);
    size_t inner = 1;
    for (size_t d = size_t(axis) + 1; d < shape.size(); ++d) inner *= size_t(shape[d]);
    f.absMax.assign(channels, 0);
    f.absSum.assign(channels, 0);
    f.perChannel = int64_t(q.size() / channels);
    for (size_t i = 0; i < q.size(); ++i) {
        const size_t c = (i / inner) % channels;
        const int32_t a = std::abs(int32_t(q[i]));
        f.absMax[c] = std::max(f.absMax[c], a);
        f.absSum[c] += a;
    }
    return f;
}

std::string_view fusedActivation(const Operator& op) {
    static thread_local std::string last;
    for (const OptionField& f : describeOptions(op))
        if (f.name == "fused_activation_function") return last = f.text, std::string_view(last);
    return "NONE";
}

bool isWeightedInt(const Model& m, const Tensor& t) {
    return m.isConstant(t) && t.type == TensorType::INT8 && t.quant.isQuantized();
}

class StaticChecker {
public:
    StaticChecker(const Model& m, const HealthOptions& o, HealthReport& r) : m_model(m), m_opt(o), m_rep(r), m_sg(m.subgraphs[0]) {}

    void run() {
        for (size_t i = 0; i < m_sg.operators.size(); ++i) {
            const OperatorIndex oi{int32_t(i)};
            const Operator& op = m_sg.op(oi);
            ++m_rep.operatorsChecked;
            checkWeights(oi, op);
            checkRequantization(oi, op);
        }
        for (size_t t = 0; t < m_sg.tensors.size(); ++t) checkTensorParams(TensorIndex{int32_t(t)});
    }

private:
    void add(Severity sev, const char* check, OperatorIndex op, TensorIndex t, std::string figures, std::string why,
             double value) {
        m_rep.findings.push_back(makeFinding(m_sg, sev, check, op, t, std::move(figures), std::move(why), value));
    }

    void checkWeights(OperatorIndex oi, const Operator& op) {
        const WeightSlots slots = weightSlots(op.op);
        if (slots.weight < 0 || size_t(slots.weight) >= op.inputs.size() || !op.inputs[size_t(slots.weight)].valid()) return;
        const TensorIndex wi = op.inputs[size_t(slots.weight)];
        const Tensor& w = m_sg.tensor(wi);
        if (!isWeightedInt(m_model, w)) return;
        const int axis = channelAxis(op, w);
        const auto bytes = m_model.buffer(w.buffer).bytes();
        if (bytes.size() < size_t(w.elementCount())) return;
        const ChannelFacts f = channelFacts({reinterpret_cast<const int8_t*>(bytes.data()), size_t(w.elementCount())}, w.shape, axis);
        if (f.absMax.empty()) return;
        const size_t channels = f.absMax.size();

        // [scale-outlier]
        if (w.quant.isPerChannel() && w.quant.scale.size() == channels && channels > 1) {
            std::vector<double> s(w.quant.scale.begin(), w.quant.scale.end());
            const double med = median(s);
            const size_t argMax = size_t(std::max_element(s.begin(), s.end()) - s.begin());
            const double ratio = med > 0 ? s[argMax] / med : std::numeric_limits<double>::infinity();
            if (ratio >= m_opt.scaleOutlierRatio && std::isfinite(s[argMax]))
                add(ratio >= 10 * m_opt.scaleOutlierRatio ? Severity::Error : Severity::Warning, "scale-outlier", oi, wi,
                    "max/median channel scale " + fmt("%.3g", ratio) + " (channel " + std::to_string(argMax) + ": " +
                        fmt("%.4g", s[argMax]) + ", median " + fmt("%.4g", med) + ")",
                    "an outlier channel's output dominates the next activation's range, so the per-tensor activation "
                    "scale leaves the other channels few levels (cross-layer equalization or bias correction helps)",
                    ratio);
        } else if (!w.quant.isPerChannel() && channels > 1) {
            std::vector<double> a(f.absMax.begin(), f.absMax.end());
            const double med = median(a);
            const size_t argMax = size_t(std::max_element(a.begin(), a.end()) - a.begin());
            const double ratio = med > 0 ? a[argMax] / med : std::numeric_limits<double>::infinity();
            if (ratio >= m_opt.scaleOutlierRatio / 10.0 && std::isfinite(ratio))
                add(Severity::Warning, "scale-outlier", oi, wi,
                    "per-tensor weights: max/median channel range " + fmt("%.3g", ratio) + " (median channel uses +-" +
                        fmt("%.0f", med) + " of +-127 levels)",
                    "per-tensor quantization gives the small channels only a few levels; per-channel weights would give "
                    "each channel the full int8 range",
                    ratio);
        }

        // [zero-point] int8 weights are symmetric (TFLite's int8 specification).
        for (size_t c = 0; c < w.quant.zeroPoint.size(); ++c)
            if (w.quant.zeroPoint[c] != 0) {
                add(Severity::Error, "zero-point", oi, wi,
                    "weight zero point " + std::to_string(w.quant.zeroPoint[c]) + " (channel " + std::to_string(c) + ")",
                    "TFLite's int8 kernels assume symmetric weights (zero point 0) and ignore it, so every product is off "
                    "by z_w * q_in",
                    double(w.quant.zeroPoint[c]));
                break;
            }

        // [dead-channel] all-zero channels.
        std::vector<size_t> dead;
        for (size_t c = 0; c < channels; ++c)
            if (f.absMax[c] == 0) dead.push_back(c);
        if (!dead.empty())
            add(Severity::Warning, "dead-channel", oi, wi,
                std::to_string(dead.size()) + " of " + std::to_string(channels) + " channels have all-zero int8 weights: " +
                    channelList(dead, m_opt.maxChannelsListed),
                "such a channel outputs its bias only; if the float weights were not zero, their scale was too coarse "
                "(per-tensor weights with an outlier channel)",
                double(dead.size()));

        checkBias(oi, op, slots, w, f);
    }

    void checkBias(OperatorIndex oi, const Operator& op, const WeightSlots& slots, const Tensor& w, const ChannelFacts& f) {
        if (slots.bias < 0 || size_t(slots.bias) >= op.inputs.size() || !op.inputs[size_t(slots.bias)].valid()) return;
        const TensorIndex bi = op.inputs[size_t(slots.bias)];
        const Tensor& b = m_sg.tensor(bi);
        const Tensor* in = size_t(slots.input) < op.inputs.size() && op.inputs[size_t(slots.input)].valid()
                               ? &m_sg.tensor(op.inputs[size_t(slots.input)]) : nullptr;
        const Tensor* out = !op.outputs.empty() && op.outputs[0].valid() ? &m_sg.tensor(op.outputs[0]) : nullptr;
        if (!in || !out || !in->quant.isQuantized() || !out->quant.isQuantized() || !b.quant.isQuantized()) return;
        if (b.type != TensorType::INT32 && b.type != TensorType::INT64) return;
        if (!m_model.isConstant(b)) return;
        const size_t channels = f.absMax.size();
        const size_t ws = w.quant.scale.size(), bs = b.quant.scale.size();
        if ((bs != 1 && bs != channels) || (ws > 1 && bs == 1 && channels > 1)) {
            add(Severity::Error, "bias-scale", oi, bi,
                std::to_string(bs) + " bias scales for " + std::to_string(ws) + " weight scales and " +
                    std::to_string(channels) + " channels",
                "the bias of channel c must carry the scale s_in * s_w[c]; TFLite refuses or misreads the others", double(bs));
            return;
        }
        if (bs > 1 && b.quant.quantizedDimension >= int(std::max<size_t>(1, b.shape.size())))
            add(Severity::Error, "bias-scale", oi, bi,
                "quantized_dimension " + std::to_string(b.quant.quantizedDimension) + " of a rank-" +
                    std::to_string(b.shape.size()) + " bias",
                "TFLite's runtime refuses to load such a file (quantized_dimension must be below the rank)",
                double(b.quant.quantizedDimension));
        const double sIn = in->quant.scale[0], sOut = out->quant.scale[0];
        const auto bb = m_model.buffer(b.buffer).bytes();
        const size_t n = size_t(b.elementCount());
        const size_t esz = b.type == TensorType::INT32 ? 4 : 8;
        if (bb.size() < n * esz || n == 0) return;
        auto biasAt = [&](size_t c) -> int64_t {
            if (b.type == TensorType::INT32) return reinterpret_cast<const int32_t*>(bb.data())[c];
            return reinterpret_cast<const int64_t*>(bb.data())[c];
        };
        double worstRel = 0, worstSteps = 0, worstAbsDiffOverOut = 0;
        size_t worstC = 0, mismatched = 0;
        for (size_t c = 0; c < std::min(n, channels); ++c) {
            const double expected = sIn * double(w.quant.scale[ws > 1 ? c : 0]);
            const double sb = b.quant.scale[bs > 1 ? c : 0];
            const double diff = std::abs(sb - expected);
            const double rel = diff / std::max(1e-300, std::min(sb, expected));
            if (rel <= m_opt.biasScaleTolerance) continue;
            ++mismatched;
            const double steps = double(std::llabs(biasAt(c))) * diff / sOut;
            if (rel > worstRel) { worstRel = rel; worstC = c; }
            worstSteps = std::max(worstSteps, steps);
            worstAbsDiffOverOut = std::max(worstAbsDiffOverOut, diff / sOut);
        }
        if (mismatched) {
            const bool refused = worstAbsDiffOverOut > 0.02;
            const double expected = sIn * double(w.quant.scale[ws > 1 ? worstC : 0]);
            add(refused ? Severity::Error : worstSteps >= 0.5 ? Severity::Warning : Severity::Info, "bias-scale", oi, bi,
                std::to_string(mismatched) + " channel(s) off; worst channel " + std::to_string(worstC) + ": s_b " +
                    fmt("%.6g", b.quant.scale[bs > 1 ? worstC : 0]) + " vs s_in*s_w " + fmt("%.6g", expected) + " (relative " +
                    fmt("%.2e", worstRel) + "), bias off by up to " + fmt("%.3g", worstSteps) + " output steps",
                refused ? "TFLite refuses a per-tensor operator whose |s_b - s_in*s_w| / s_out exceeds 0.02, and per-channel "
                          "kernels read the bias as if scaled by s_in*s_w[c]"
                        : "the kernels read the bias as if its scale were s_in*s_w[c], so the bias actually added differs "
                          "from the intended one",
                worstSteps);
        }
        if (b.type != TensorType::INT32) return; // int16x8: int64 bias and accumulator, no int32 bound
        // [bias-overflow]
        const auto [qmin, qmax] = quantizedRange(in->type);
        const int64_t zIn = in->quant.zeroPoint.empty() ? 0 : in->quant.zeroPoint[0];
        const int64_t maxIn = std::max(std::llabs(int64_t(qmin) - zIn), std::llabs(int64_t(qmax) - zIn));
        constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
        std::vector<size_t> clipped, large, overflow;
        double worstBound = 0, worstCoarse = 0;
        size_t worstBoundC = 0;
        for (size_t c = 0; c < std::min(n, channels); ++c) {
            const int64_t q = biasAt(c);
            if (q == kInt32Max || q == std::numeric_limits<int32_t>::min()) clipped.push_back(c);
            else if (std::llabs(q) >= (int64_t(1) << 30)) large.push_back(c);
            // |acc| <= sum_k |q_w[c,k]| * max|q_in - z_in| + |q_b[c]|  (exact worst case over inputs)
            const double bound = double(f.absSum[c]) * double(maxIn) + double(std::llabs(q));
            const double coarse = double(f.perChannel) * 127.0 * 128.0 + double(std::llabs(q));
            if (bound > double(kInt32Max)) overflow.push_back(c);
            if (bound > worstBound) { worstBound = bound; worstBoundC = c; worstCoarse = coarse; }
        }
        if (!clipped.empty())
            add(Severity::Error, "bias-overflow", oi, bi,
                std::to_string(clipped.size()) + " bias value(s) at the int32 limit (channels " +
                    channelList(clipped, m_opt.maxChannelsListed) + ")",
                "the float bias / (s_in*s_w) did not fit in int32 and was clipped: the channel's output is wrong; a tiny "
                "weight or input scale is the usual cause",
                double(clipped.size()));
        else if (!large.empty())
            add(Severity::Warning, "bias-overflow", oi, bi,
                std::to_string(large.size()) + " bias value(s) with |q_b| >= 2^30 (channels " +
                    channelList(large, m_opt.maxChannelsListed) + ")",
                "such a bias leaves less than half of the int32 accumulator for the products, so large inputs wrap",
                double(large.size()));
        if (!overflow.empty())
            add(Severity::Warning, "bias-overflow", oi, bi,
                "accumulator bound sum|q_w|*" + std::to_string(maxIn) + " + |q_b| = " + fmt("%.4g", worstBound) +
                    " > 2^31-1 (channel " + std::to_string(worstBoundC) + "; coarse bound K*127*128+|b| = " +
                    fmt("%.4g", worstCoarse) + ", K = " + std::to_string(f.perChannel) + "); " +
                    std::to_string(overflow.size()) + " channel(s)",
                "the int32 accumulator can wrap around on adversarial inputs, silently flipping the output", worstBound);
    }

    void checkRequantization(OperatorIndex oi, const Operator& op) {
        const Requantization r = operatorRequantization(m_sg, op);
        std::vector<size_t> flushed;
        double smallest = std::numeric_limits<double>::infinity();
        for (size_t i = 0; i < r.rows.size(); ++i)
            if (r.rows[i].effectiveScale > 0 && r.rows[i].multiplier.multiplier == 0) {
                flushed.push_back(i);
                smallest = std::min(smallest, r.rows[i].effectiveScale);
            }
        if (flushed.empty() || op.outputs.empty()) return;
        add(Severity::Warning, "dead-channel", oi, op.outputs[0],
            std::to_string(flushed.size()) + " requantization multiplier(s) " + r.formula + " below 2^-32 (smallest " +
                fmt("%.3g", smallest) + "), rows " + channelList(flushed, m_opt.maxChannelsListed),
            "quantizeMultiplier flushes such a multiplier to 0, so the output is the zero point whatever the input",
            double(flushed.size()));
    }

    void checkTensorParams(TensorIndex ti) {
        const Tensor& t = m_sg.tensor(ti);
        if (!t.quant.isQuantized()) return;
        ++m_rep.tensorsChecked;
        const bool constant = m_model.isConstant(t);
        const OperatorIndex owner = ownerOp(m_sg, ti);
        // [dead-channel] scales that no kernel can use.
        for (size_t c = 0; c < t.quant.scale.size(); ++c) {
            const float s = t.quant.scale[c];
            if (std::isfinite(s) && s > 0) continue;
            if (constant && s == 0.0f) continue; // an all-zero weight channel: reported as dead above
            add(Severity::Error, "dead-channel", owner, ti,
                "scale " + fmt("%g", s) + (t.quant.isPerChannel() ? " (channel " + std::to_string(c) + ")" : ""),
                "a zero, negative or non-finite scale breaks r = s * (q - z): quantizing divides by it", s);
            return;
        }
        const bool integer = t.type == TensorType::INT8 || t.type == TensorType::UINT8 || t.type == TensorType::INT16;
        if (constant || !integer) return;
        // Activations from here.
        if (t.quant.scale[0] < m_opt.tinyScale)
            add(Severity::Warning, "dead-channel", owner, ti,
                "activation scale " + fmt("%.3g", t.quant.scale[0]) + " (range about +-" +
                    fmt("%.3g", t.quant.scale[0] * 128.0) + ")",
                "calibration saw (almost) constant values; any real variation is clipped", t.quant.scale[0]);
        const auto [qmin, qmax] = quantizedRange(t.type);
        const int64_t z = t.quant.zeroPoint.empty() ? 0 : t.quant.zeroPoint[0];
        if (z < qmin || z > qmax) {
            add(Severity::Error, "zero-point", owner, ti,
                "zero point " + std::to_string(z) + " outside [" + std::to_string(qmin) + ", " + std::to_string(qmax) + "]",
                "0.0 is not representable and the kernels' arithmetic assumes it is", double(z));
            return;
        }
        if (!m_sg.producer[ti.index()].valid()) return; // graph inputs: the caller chooses their range
        if (inheritsParams(m_sg, ti)) return;           // the same range as its input: reported there
        {
            // The QUANTIZE of a float graph input carries the input's range, which the caller chooses.
            const Operator& p = m_sg.op(m_sg.producer[ti.index()]);
            if (p.op == BuiltinOp::QUANTIZE && !p.inputs.empty() && p.inputs[0].valid() &&
                !m_sg.producer[p.inputs[0].index()].valid())
                return;
        }
        if (z == qmin && canBeNegative(m_model, m_sg, ti))
            add(Severity::Warning, "zero-point", owner, ti,
                "zero point " + std::to_string(z) + " = qmin: representable range [0, " + fmt("%.4g", t.quant.scale[0] * double(qmax - z)) +
                    "]",
                "the producer can output negative values but calibration saw none: at run time they all become 0",
                double(z));
        else if (z == qmax && canBePositive(m_sg, ti))
            add(Severity::Warning, "zero-point", owner, ti,
                "zero point " + std::to_string(z) + " = qmax: representable range [" +
                    fmt("%.4g", t.quant.scale[0] * double(qmin - z)) + ", 0]",
                "the producer can output positive values but calibration saw none: at run time they all become 0",
                double(z));
    }

    const Model& m_model;
    const HealthOptions& m_opt;
    HealthReport& m_rep;
    const Subgraph& m_sg;
};

} // namespace

HealthFinding makeFinding(const Subgraph& sg, Severity sev, const char* check, OperatorIndex op, TensorIndex t,
                          std::string figures, std::string why, double value) {
    HealthFinding f;
    f.severity = sev;
    f.check = check;
    f.op = op;
    f.opType = op.valid() ? sg.op(op).typeName() : "input";
    f.tensor = t;
    f.tensorName = t.valid() ? sg.tensor(t).name : "";
    f.figures = std::move(figures);
    f.why = std::move(why);
    f.value = value;
    return f;
}

OperatorIndex ownerOp(const Subgraph& sg, TensorIndex t) {
    if (sg.producer[t.index()].valid()) return sg.producer[t.index()];
    return sg.consumers[t.index()].empty() ? OperatorIndex{} : sg.consumers[t.index()].front();
}

std::string_view operatorActivation(const Operator& op) { return fusedActivation(op); }

void sortFindings(std::vector<HealthFinding>& fs) {
    std::stable_sort(fs.begin(), fs.end(), [](const HealthFinding& a, const HealthFinding& b) {
        if (a.severity != b.severity) return int(a.severity) > int(b.severity);
        return a.op.value < b.op.value;
    });
}

size_t HealthReport::count(Severity s) const {
    return size_t(std::count_if(findings.begin(), findings.end(), [s](const HealthFinding& f) { return f.severity == s; }));
}

HealthReport checkHealth(const Model& model, const HealthOptions& options) {
    HealthReport r;
    if (model.subgraphs.empty()) return r;
    StaticChecker(model, options, r).run();
    sortFindings(r.findings);
    return r;
}

} // namespace ql::analysis
