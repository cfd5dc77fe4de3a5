#include "analysis/Compare.h"
#include "util/Vectorize.h"

#include "quant/FixedPoint.h"
#include "quantize/GraphCleanup.h"
#include "runtime/Interpreter.h"
#include "util/Float16.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

namespace ql::analysis {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Channel of flat element i for a tensor quantized along `axis`: (i / inner) % dim(axis).
struct ChannelIndexer {
    size_t inner = 1, dim = 1;
    bool perChannel = false;
    ChannelIndexer(const rt::RtTensor& t) {
        if (!t.quant || t.quant->scale.size() <= 1) return;
        const int axis = t.quant->quantizedDimension;
        if (axis < 0 || axis >= t.rank() || size_t(t.dim(axis)) != t.quant->scale.size()) return;
        for (int d = axis + 1; d < t.rank(); ++d) inner *= size_t(std::max(t.dim(d), 1));
        dim = size_t(t.dim(axis));
        perChannel = true;
    }
    size_t operator()(size_t i) const { return perChannel ? (i / inner) % dim : 0; }
};

// Elements [begin, begin + out.size()) of the tensor.
template <class T> QL_VECTORIZE void dequantizeInto(const rt::RtTensor& t, size_t begin, std::vector<float>& out) {
    const T* p = t.as<T>() + begin;
    const size_t n = out.size();
    if (!t.isQuantized()) {
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
        return;
    }
    const ChannelIndexer ch(t);
    if (!ch.perChannel) {
        const float s = t.scale(0);
        const int64_t z = t.zeroPoint(0);
        if constexpr (sizeof(T) <= 2) {
            // 8/16-bit values: exact in int32 and float, a loop the compiler vectorises.
            const int32_t z32 = static_cast<int32_t>(z);
            for (size_t i = 0; i < n; ++i) out[i] = s * static_cast<float>(static_cast<int32_t>(p[i]) - z32);
        } else {
            for (size_t i = 0; i < n; ++i) out[i] = s * static_cast<float>(static_cast<int64_t>(p[i]) - z);
        }
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        const size_t c = ch(begin + i);
        out[i] = t.scale(c) * static_cast<float>(static_cast<int64_t>(p[i]) - t.zeroPoint(c));
    }
}

// The real values of elements [begin, begin + count) of a tensor: r = scale * (q - zero_point)
// for quantized integers, the values for float and unquantized integer tensors. False for
// types without numbers.
bool realValues(const rt::RtTensor& t, size_t begin, size_t count, std::vector<float>& out) {
    if (!t.data && count > 0) return false;
    out.resize(count);
    switch (t.type) {
    case TensorType::FLOAT32: std::memcpy(out.data(), t.as<float>() + begin, count * sizeof(float)); return true;
    case TensorType::FLOAT16:
        for (size_t i = 0; i < count; ++i) out[i] = halfToFloat(t.as<uint16_t>()[begin + i]);
        return true;
    case TensorType::FLOAT64:
        for (size_t i = 0; i < count; ++i) out[i] = static_cast<float>(t.as<double>()[begin + i]);
        return true;
    case TensorType::INT8: dequantizeInto<int8_t>(t, begin, out); return true;
    case TensorType::UINT8: dequantizeInto<uint8_t>(t, begin, out); return true;
    case TensorType::INT16: dequantizeInto<int16_t>(t, begin, out); return true;
    case TensorType::UINT16: dequantizeInto<uint16_t>(t, begin, out); return true;
    case TensorType::INT32: dequantizeInto<int32_t>(t, begin, out); return true;
    case TensorType::UINT32: dequantizeInto<uint32_t>(t, begin, out); return true;
    case TensorType::INT64: dequantizeInto<int64_t>(t, begin, out); return true;
    case TensorType::BOOL: dequantizeInto<uint8_t>(t, begin, out); return true;
    default: return false;
    }
}

bool realValues(const rt::RtTensor& t, std::vector<float>& out) {
    return realValues(t, 0, size_t(std::max<int64_t>(t.elementCount(), 0)), out);
}

template <class T> QL_VECTORIZE void quantizeFrom(std::span<const float> r, rt::RtTensor& t) {
    T* p = t.as<T>();
    const double lo = double(std::numeric_limits<T>::lowest()), hi = double(std::numeric_limits<T>::max());
    if (!t.isQuantized()) {
        for (size_t i = 0; i < r.size(); ++i) p[i] = static_cast<T>(std::clamp(double(std::round(r[i])), lo, hi));
        return;
    }
    // q = clamp(round(r / scale) + zero_point, qmin, qmax); TFLite's QUANTIZE rounds half
    // away from zero (std::round), as here.
    const ChannelIndexer ch(t);
    if constexpr (sizeof(T) == 1) { // int16 below: the runtime divides in double (affineQuotient)
        if (!ch.perChannel) {
            // Fast path (8/16-bit, one scale): clamp r / scale to the range first, then round
            // half away from zero by truncating x +- 0.5, which vectorises (no libm call). The
            // float quotient differs from the double one only in the last bit.
            const float s = t.scale(0);
            const float z = static_cast<float>(t.zeroPoint(0));
            const float lo32 = static_cast<float>(lo) - z, hi32 = static_cast<float>(hi) - z;
            for (size_t i = 0; i < r.size(); ++i) {
                float x = r[i] / s;
                x = x < lo32 ? lo32 : (x > hi32 ? hi32 : x); // NaN stays NaN: made 0 below
                const float h = x < 0 ? -0.5f : 0.5f;
                const int32_t q = x == x ? static_cast<int32_t>(x + h) : 0;
                p[i] = static_cast<T>(q + static_cast<int32_t>(z));
            }
            return;
        }
    }
    for (size_t i = 0; i < r.size(); ++i) {
        const size_t c = ch(i);
        const double q = std::round(double(r[i]) / double(t.scale(c))) + double(t.zeroPoint(c));
        p[i] = static_cast<T>(std::clamp(q, lo, hi));
    }
}

// Writes real values into a tensor of the quantized model (quantizing or casting).
bool storeReal(std::span<const float> r, rt::RtTensor& t) {
    if (!t.data || int64_t(r.size()) != t.elementCount()) return false;
    switch (t.type) {
    case TensorType::FLOAT32: std::memcpy(t.data, r.data(), r.size() * sizeof(float)); return true;
    case TensorType::FLOAT16:
        for (size_t i = 0; i < r.size(); ++i) t.as<uint16_t>()[i] = floatToHalf(r[i]);
        return true;
    case TensorType::INT8: quantizeFrom<int8_t>(r, t); return true;
    case TensorType::UINT8: quantizeFrom<uint8_t>(r, t); return true;
    case TensorType::INT16: quantizeFrom<int16_t>(r, t); return true;
    case TensorType::INT32: quantizeFrom<int32_t>(r, t); return true;
    case TensorType::INT64: quantizeFrom<int64_t>(r, t); return true;
    case TensorType::BOOL:
        for (size_t i = 0; i < r.size(); ++i) t.as<uint8_t>()[i] = r[i] != 0.0f;
        return true;
    default: return false;
    }
}

// Reference values straight from a float32 tensor, or converted into `scratch`.
std::span<const float> refView(const rt::RtTensor& t, std::vector<float>& scratch) {
    if (t.type == TensorType::FLOAT32 && t.data) return t.values<float>();
    if (!realValues(t, scratch)) scratch.clear();
    return scratch;
}

// Evenly spread values of one tensor over all samples, for the histograms.
struct ValueSampler {
    size_t stride = 1;
    std::vector<double> values;
    void init(size_t perSample, size_t samples, size_t budget) {
        const size_t total = std::max<size_t>(perSample * std::max<size_t>(samples, 1), 1);
        stride = std::max<size_t>(1, (total + budget - 1) / std::max<size_t>(budget, 1));
        values.reserve(std::min(total, budget + samples));
    }
    // `v` holds elements [begin, begin + size) of the tensor.
    void add(std::span<const float> v, size_t sample, size_t begin = 0) {
        for (size_t i = first(sample, begin); i < v.size(); i += stride) values.push_back(v[i]);
    }
    size_t first(size_t sample, size_t begin) const { return (sample % stride + stride - begin % stride) % stride; }
    // `ref` and `test` hold elements [begin, begin + size) of the tensor.
    void addDiff(std::span<const float> ref, std::span<const float> test, size_t sample, size_t begin = 0) {
        for (size_t i = first(sample, begin); i < ref.size(); i += stride)
            if (std::isfinite(ref[i]) && std::isfinite(test[i])) values.push_back(double(test[i]) - double(ref[i]));
    }
};

// Compares a tensor of the quantized model with its reference values: dequantized in blocks
// that stay in the L1 cache while the accumulator reads them (a whole-tensor copy would go
// through memory twice). False when the tensor has no numbers or the sizes differ.
constexpr size_t kBlock = 4096;
// `testValues` (optional) samples the quantized tensor's real values at the elements the value
// histogram samples.
bool accumulate(const rt::RtTensor& test, std::span<const float> ref, ErrorAccumulator& acc, ValueSampler& err, size_t sample,
                std::vector<float>& scratch, ValueSampler* testValues = nullptr) {
    const size_t n = size_t(std::max<int64_t>(test.elementCount(), 0));
    if (ref.size() != n) return false;
    if (test.type == TensorType::FLOAT32 && test.data) {
        const auto v = test.values<float>();
        acc.add(ref, v);
        err.addDiff(ref, v, sample);
        if (testValues) testValues->add(v, sample);
        return true;
    }
    for (size_t b = 0; b < n; b += kBlock) {
        const size_t m = std::min(kBlock, n - b);
        if (!realValues(test, b, m, scratch)) return false;
        const std::span<const float> block(scratch.data(), m);
        acc.add(ref.subspan(b, m), block);
        err.addDiff(ref.subspan(b, m), block, sample, b);
        if (testValues) testValues->add(block, sample, b);
    }
    return true;
}

Histogram valueHistogram(const std::vector<double>& v, size_t bins, const TensorComparison& tc) {
    double lo = INFINITY, hi = -INFINITY;
    for (double x : v)
        if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    if (!(hi > lo)) return makeHistogram(v, bins);
    // Show the clip limits when they are near the data (within one data span).
    const double span = hi - lo;
    if (tc.quantized) {
        if (tc.clipMin < lo && tc.clipMin >= lo - span) lo = tc.clipMin;
        if (tc.clipMax > hi && tc.clipMax <= hi + span) hi = tc.clipMax;
    }
    return makeHistogram(v, bins, lo, hi);
}

Histogram errorHistogram(const std::vector<double>& v, size_t bins) {
    double m = 0;
    for (double x : v)
        if (std::isfinite(x)) m = std::max(m, std::abs(x));
    return m > 0 ? makeHistogram(v, bins, -m, m) : makeHistogram(v, bins);
}

int weightAxis(const Model& model, const Tensor& t, const Operator* reader) {
    if (t.quant.isPerChannel()) return t.quant.quantizedDimension;
    if (t.shape.size() < 2) return -1;
    if (reader && reader->op == BuiltinOp::DEPTHWISE_CONV_2D) return int(t.shape.size()) - 1;
    (void)model;
    return 0; // CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV: output channels first
}

void describeGrid(TensorComparison& tc, const Tensor& t) {
    tc.quantized = t.quant.isQuantized() && t.type != TensorType::FLOAT32 && t.type != TensorType::FLOAT16;
    tc.channels = std::max<size_t>(t.quant.scale.size(), 1);
    if (!tc.quantized) return;
    tc.scale = t.quant.scale[0];
    tc.zeroPoint = t.quant.zeroPoint.empty() ? 0 : t.quant.zeroPoint[0];
    const auto [qmin, qmax] = quantizedRange(t.type);
    tc.qmin = qmin;
    tc.qmax = qmax;
    tc.clipMin = tc.scale * double(int64_t(qmin) - tc.zeroPoint);
    tc.clipMax = tc.scale * double(int64_t(qmax) - tc.zeroPoint);
}

} // namespace

const TensorComparison* CompareResult::tensorFor(TensorIndex quant) const {
    for (const auto& t : tensors)
        if (t.quant == quant) return &t;
    return nullptr;
}

Result<CompareResult> compareModels(std::shared_ptr<const Model> floatModel, std::shared_ptr<const Model> quantModel,
                                    const std::string& dataSpec, const CompareOptions& options, const Progress& progress) {
    if (!floatModel || !quantModel) return makeError("no model");
    auto source = data::openDataSource(dataSpec, data::ModelInputInfo::fromModel(*floatModel), options.data);
    if (!source) return source.error();
    return compareModels(std::move(floatModel), std::move(quantModel), **source, options, progress);
}

Result<CompareResult> compareModels(std::shared_ptr<const Model> floatModel, std::shared_ptr<const Model> quantModel,
                                    const data::DataSource& source, const CompareOptions& options, const Progress& progress) {
    const auto t0 = Clock::now();
    if (!floatModel || !quantModel) return makeError("no model");
    // The quantizer (like TFLite's converter) fuses a standalone RELU / RELU6 / RELU_N1_TO_1 into
    // its producer; the float side gets the same fusion so that each quantized operator has its
    // float counterpart. Exact in float (a clamp applied in the producer's store), tensor indices
    // unchanged; a float model without such pairs is left as it is.
    if (Model fused = *floatModel; quantize::fuseActivations(fused) > 0)
        floatModel = std::make_shared<const Model>(std::move(fused));
    auto matching = matchModels(*floatModel, *quantModel);
    if (!matching) return matching.error();
    CompareResult res;
    res.matching = std::move(*matching);
    const ModelMatching& mm = res.matching;
    const Subgraph& qsg = quantModel->subgraphs[0];
    const Subgraph& fsg = floatModel->subgraphs[0];
    for (size_t i = 0; i < qsg.inputs.size(); ++i)
        if (!mm.refOfTensor[qsg.inputs[i].index()].valid())
            return makeError("input " + std::to_string(i) + " '" + qsg.tensor(qsg.inputs[i]).name + "' has no float counterpart");

    rt::InterpreterOptions io;
    io.keepAllTensors = true;
    io.run.threads = options.threads;
    io.run.target = options.target;
    res.target = options.target;
    // Float16 (or int8) weights behind constant DEQUANTIZE operators are decoded once, at
    // prepare, by the interpreter's constant folding (InterpreterOptions::foldConstants): the
    // decoded tensors keep their indices and stay readable with keepAllTensors.
    auto fi = rt::Interpreter::create(floatModel, io);
    if (!fi) return makeError("float model: " + fi.message());
    auto qi = rt::Interpreter::create(quantModel, io);
    if (!qi) return makeError("quantized model: " + qi.message());
    rt::Interpreter& F = **fi;
    rt::Interpreter& Q = **qi;

    size_t n = source.size();
    if (options.data.maxSamples) n = std::min(n, options.data.maxSamples);
    if (n == 0) return makeError("the data source has no samples");
    res.samples = n;
    res.dataDescription = source.describe();

    // The compared tensors, in quantized tensor order (variables are state, not compared).
    std::vector<int> slotOf(qsg.tensors.size(), -1);
    for (const TensorMatch& m : mm.tensors) {
        const Tensor& qt = qsg.tensor(m.quant);
        if (qt.isVariable) continue;
        TensorComparison tc;
        tc.quant = m.quant;
        tc.ref = m.ref;
        tc.name = qt.name;
        tc.refName = fsg.tensor(m.ref).name;
        tc.type = qt.type;
        tc.shape = qt.shape;
        tc.constant = m.constant;
        tc.basis = m.basis;
        tc.producer = m.quant.index() < qsg.producer.size() ? qsg.producer[m.quant.index()] : OperatorIndex{};
        describeGrid(tc, qt);
        slotOf[m.quant.index()] = int(res.tensors.size());
        res.tensors.push_back(std::move(tc));
    }
    const size_t nt = res.tensors.size();
    std::vector<ErrorAccumulator> acc(nt), layer(nt);
    std::vector<ValueSampler> vals(nt), quantVals(nt), accErr(nt), layerErr(nt);
    std::vector<bool> isOutput(nt, false);
    for (size_t k = 0; k < nt; ++k) {
        const TensorComparison& tc = res.tensors[k];
        if (tc.quantized) acc[k].setGrid(tc.scale, tc.clipMin, tc.clipMax), layer[k].setGrid(tc.scale, tc.clipMin, tc.clipMax);
        const size_t per = size_t(std::max<int64_t>(qsg.tensor(tc.quant).elementCount(), 1));
        const size_t samples = tc.constant ? 1 : n;
        vals[k].init(per, samples, options.histogramValues);
        quantVals[k].init(per, samples, options.histogramValues);
        accErr[k].init(per, samples, options.histogramValues);
        layerErr[k].init(per, samples, options.histogramValues);
        isOutput[k] = tc.producer.valid() && !tc.constant;
    }

    std::vector<float> refScratch, testScratch, inScratch;
    size_t current = 0;
    // Per-layer view: each operator's inputs become the quantized float values.
    const rt::InputHook feed = [&](const rt::InputEvent& e) {
        if (e.subgraph != 0) return;
        const Operator& op = qsg.operators[e.op.index()];
        for (size_t i = 0; i < e.inputs.size() && i < op.inputs.size(); ++i) {
            rt::RtTensor* t = e.inputs[i];
            if (!t || t->constant || t->variable || !op.inputs[i].valid()) continue;
            const TensorIndex ref = mm.refOfTensor[op.inputs[i].index()];
            if (!ref.valid()) continue;
            storeReal(refView(F.tensor(ref), inScratch), *t);
        }
    };
    const rt::Observer observeLayer = [&](const rt::NodeEvent& e) {
        if (e.subgraph != 0) return;
        for (TensorIndex t : qsg.operators[e.op.index()].outputs) {
            const int k = t.valid() ? slotOf[t.index()] : -1;
            if (k < 0 || res.tensors[size_t(k)].constant) continue;
            const auto ref = refView(F.tensor(res.tensors[size_t(k)].ref), refScratch);
            accumulate(Q.tensor(t), ref, layer[size_t(k)], layerErr[size_t(k)], current, testScratch);
        }
    };

    for (size_t s = 0; s < n; ++s) {
        if (progress.cancelled()) return makeError("cancelled");
        progress("comparing", double(s) / double(n));
        current = s;
        auto sample = source.get(s);
        if (!sample) return makeError("sample " + std::to_string(s) + ": " + sample.message());
        if (sample->tensors.size() != F.inputCount())
            return makeError("sample " + std::to_string(s) + " has " + std::to_string(sample->tensors.size()) +
                             " tensors, the model " + std::to_string(F.inputCount()) + " inputs");
        for (size_t i = 0; i < F.inputCount(); ++i) {
            const auto& st = sample->tensors[i];
            if (Status ok = F.setInput(i, st.type, st.bytes); !ok) return makeError("sample " + std::to_string(s) + ": " + ok.message());
            if (!storeReal(refView(F.input(i), inScratch), Q.input(i)))
                return makeError("input " + std::to_string(i) + " '" + Q.input(i).source->name + "': cannot convert the float input to " +
                                 std::string(typeName(Q.input(i).type)));
        }
        F.resetVariables();
        Q.resetVariables();
        auto tf = Clock::now();
        if (Status ok = F.invoke(); !ok) return makeError("float model: " + ok.message());
        res.floatSeconds += secondsSince(tf);
        auto tq = Clock::now();
        if (Status ok = Q.invoke(); !ok) return makeError("quantized model: " + ok.message());
        res.quantSeconds += secondsSince(tq);

        for (size_t k = 0; k < nt; ++k) {
            TensorComparison& tc = res.tensors[k];
            if (tc.constant && s > 0) continue;
            const auto ref = refView(F.tensor(tc.ref), refScratch);
            if (!tc.constant) {
                if (accumulate(Q.tensor(tc.quant), ref, acc[k], accErr[k], s, testScratch, &quantVals[k])) vals[k].add(ref, s);
                continue;
            }
            if (!realValues(Q.tensor(tc.quant), testScratch) || ref.size() != testScratch.size()) continue;
            acc[k].add(ref, testScratch);
            vals[k].add(ref, s);
            quantVals[k].add(testScratch, s);
            accErr[k].addDiff(ref, testScratch, s);
            {
                const Tensor& qt = qsg.tensor(tc.quant);
                const auto& readers = tc.quant.index() < qsg.consumers.size() ? qsg.consumers[tc.quant.index()]
                                                                                 : std::vector<OperatorIndex>{};
                tc.channelAxis = weightAxis(*quantModel, qt, readers.empty() ? nullptr : &qsg.op(readers[0]));
                if (tc.channelAxis >= 0 && tc.channelAxis < int(qt.shape.size()))
                    tc.perChannel = perChannelError(ref, testScratch, qt.shape, tc.channelAxis);
                else tc.channelAxis = -1;
            }
        }
        if (options.perLayer) {
            Q.resetVariables();
            auto tl = Clock::now();
            if (Status ok = Q.invoke(observeLayer, feed); !ok) return makeError("quantized model (per layer): " + ok.message());
            res.quantSeconds += secondsSince(tl);
        }
    }
    progress("comparing", 1.0);

    for (size_t k = 0; k < nt; ++k) {
        TensorComparison& tc = res.tensors[k];
        tc.accumulated = acc[k].result();
        if (options.perLayer && isOutput[k]) tc.perLayer = layer[k].result();
        tc.values = valueHistogram(vals[k].values, options.histogramBins, tc);
        if (!quantVals[k].values.empty())
            tc.quantizedValues = makeHistogram(quantVals[k].values, tc.values.counts.size(), tc.values.lo, tc.values.hi);
        tc.accumulatedError = errorHistogram(accErr[k].values, options.histogramBins);
        if (tc.perLayer) tc.perLayerError = errorHistogram(layerErr[k].values, options.histogramBins);
    }

    for (size_t o = 0; o < qsg.operators.size(); ++o) {
        const Operator& op = qsg.operators[o];
        bool constProducer = false; // DEQUANTIZE of a constant: part of a weight, not a layer
        if (op.op == BuiltinOp::DEQUANTIZE && !op.inputs.empty() && op.inputs[0].valid() &&
            quantModel->isConstant(qsg.tensor(op.inputs[0])))
            constProducer = true;
        if (constProducer) continue;
        LayerComparison l;
        l.quantOp = OperatorIndex{o};
        l.refOp = mm.refOfOperator[o];
        l.opType = op.typeName();
        l.conversion = mm.conversion[o];
        if (!op.outputs.empty() && op.outputs[0].valid()) {
            l.name = qsg.tensor(op.outputs[0]).name;
            l.output = slotOf[op.outputs[0].index()];
        }
        for (size_t i = 0; i < op.inputs.size(); ++i) {
            const TensorIndex t = op.inputs[i];
            if (!t.valid()) continue;
            if (slotOf[t.index()] >= 0 && res.tensors[size_t(slotOf[t.index()])].constant) l.weights.push_back(slotOf[t.index()]);
            else if (!mm.refOfTensor[t.index()].valid() && !qsg.tensor(t).isVariable && !quantModel->isConstant(qsg.tensor(t)))
                l.note += (l.note.empty() ? "" : "; ") + std::string("input ") + std::to_string(i) + " '" + qsg.tensor(t).name +
                          "' has no float counterpart: the per-layer run fed the quantized model's own value";
        }
        if (l.output >= 0) {
            const TensorComparison& tc = res.tensors[size_t(l.output)];
            l.accumulated = tc.accumulated;
            if (tc.perLayer) l.perLayer = *tc.perLayer, l.hasPerLayer = true;
        } else if (!l.refOp.valid() && !l.conversion) {
            l.note += (l.note.empty() ? "" : "; ") + std::string("no float counterpart");
        }
        res.layers.push_back(std::move(l));
    }
    for (TensorIndex t : qsg.outputs) res.outputs.push_back(slotOf[t.index()]);
    for (const auto& u : mm.unmatchedQuant) res.warnings.push_back("unmatched in the quantized model: " + u.what + ": " + u.reason);
    for (const auto& u : mm.unmatchedFloat) res.warnings.push_back("unmatched in the float model: " + u.what + ": " + u.reason);
    res.seconds = secondsSince(t0);
    return res;
}

std::vector<size_t> worstLayers(const CompareResult& r, size_t count) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < r.layers.size(); ++i)
        if (!r.layers[i].conversion && r.layers[i].output >= 0) idx.push_back(i);
    auto key = [&](size_t i) {
        const auto& l = r.layers[i];
        const double v = l.hasPerLayer ? l.perLayer.sqnrDb : l.accumulated.sqnrDb;
        return std::isnan(v) ? std::numeric_limits<double>::infinity() : v;
    };
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
    if (idx.size() > count) idx.resize(count);
    return idx;
}

} // namespace ql::analysis
