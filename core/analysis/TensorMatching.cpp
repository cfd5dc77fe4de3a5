#include "analysis/TensorMatching.h"

#include "tflite/Validate.h"

#include <algorithm>
#include <cctype>

namespace ql::analysis {
namespace {

// One model's view for matching: conversion operators, "constant-like" tensors and the
// canonical tensor of each tensor (through conversion operators to the tensor they convert).
struct GraphView {
    const Model& model;
    const Subgraph& sg;
    std::vector<bool> conversion; // per operator
    std::vector<bool> constLike;  // per tensor
    std::vector<TensorIndex> canon;

    explicit GraphView(const Model& m) : model(m), sg(m.subgraphs[0]) {
        const size_t nt = sg.tensors.size(), no = sg.operators.size();
        constLike.assign(nt, false);
        // Variable tensors (LSTM state) are matched like constants: position by position
        // through the operators that read them.
        for (size_t t = 0; t < nt; ++t) constLike[t] = model.isConstant(sg.tensors[t]) || sg.tensors[t].isVariable;
        conversion.assign(no, false);
        for (size_t o = 0; o < no; ++o) {
            const Operator& op = sg.operators[o];
            const bool qdq = op.op == BuiltinOp::QUANTIZE || op.op == BuiltinOp::DEQUANTIZE;
            if (!qdq || op.inputs.empty() || !op.inputs[0].valid() || op.outputs.size() != 1) continue;
            // A DEQUANTIZE of constant data (float16 / int8 weights) yields a constant.
            if (constLike[op.inputs[0].index()]) constLike[op.outputs[0].index()] = true;
            else conversion[o] = true;
        }
        canon.resize(nt);
        for (size_t t = 0; t < nt; ++t) canon[t] = TensorIndex{t};
        // Operators run in order, so the canonical tensor of a conversion's input is final
        // when the conversion is reached.
        for (size_t o = 0; o < no; ++o)
            if (conversion[o]) canon[sg.operators[o].outputs[0].index()] = canon[sg.operators[o].inputs[0].index()];
    }

    TensorIndex canonical(TensorIndex t) const { return t.valid() && t.index() < canon.size() ? canon[t.index()] : t; }
    bool isConst(TensorIndex t) const { return t.valid() && t.index() < constLike.size() && constLike[t.index()]; }
};

bool commutative(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::ADD:
    case BuiltinOp::MUL:
    case BuiltinOp::MAXIMUM:
    case BuiltinOp::MINIMUM:
    case BuiltinOp::SQUARED_DIFFERENCE: return true;
    default: return false;
    }
}

std::string opText(const Model& m, OperatorIndex o) { return describeOperator(m, 0, o); }
std::string tensorText(const Model& m, TensorIndex t) { return describeTensor(m, 0, t); }

} // namespace

const char* matchBasisName(MatchBasis b) {
    switch (b) {
    case MatchBasis::Topology: return "topology";
    case MatchBasis::Name: return "name";
    case MatchBasis::Position: return "position";
    }
    return "?";
}

std::string normalizedTensorName(std::string_view name) {
    std::string s(name);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static const char* kSuffixes[] = {"_requant", "_dequantize", "_dequantized", "_quantized", "_quantize", "_quant",
                                      "_int8",    "_uint8",      "_int16",       "_int32",     "_int64",    "_int",
                                      "_float",   "_fp16",       "_float16",     "_float32",   "/dequantize"};
    for (bool changed = true; changed;) {
        changed = false;
        for (const char* suf : kSuffixes) {
            const std::string_view sv(suf);
            if (s.size() > sv.size() && s.compare(s.size() - sv.size(), sv.size(), sv) == 0) {
                s.resize(s.size() - sv.size());
                changed = true;
            }
        }
    }
    return s;
}

Result<ModelMatching> matchModels(const Model& floatModel, const Model& quantModel) {
    if (floatModel.subgraphs.empty()) return makeError("the float model has no subgraphs");
    if (quantModel.subgraphs.empty()) return makeError("the quantized model has no subgraphs");
    const GraphView F(floatModel), Q(quantModel);
    if (F.sg.inputs.size() != Q.sg.inputs.size())
        return makeError("the float model has " + std::to_string(F.sg.inputs.size()) + " inputs, the quantized model " +
                         std::to_string(Q.sg.inputs.size()));
    if (F.sg.outputs.size() != Q.sg.outputs.size())
        return makeError("the float model has " + std::to_string(F.sg.outputs.size()) + " outputs, the quantized model " +
                         std::to_string(Q.sg.outputs.size()));

    ModelMatching m;
    const size_t nqt = Q.sg.tensors.size(), nqo = Q.sg.operators.size(), nfo = F.sg.operators.size();
    m.refOfTensor.assign(nqt, TensorIndex{});
    m.refOfOperator.assign(nqo, OperatorIndex{});
    m.conversion = Q.conversion;
    std::vector<MatchBasis> basisOf(nqt, MatchBasis::Topology);
    // Counterparts of canonical tensors of Q.
    std::vector<TensorIndex> canonRef(nqt);
    auto setCanon = [&](TensorIndex q, TensorIndex f, MatchBasis b) {
        canonRef[q.index()] = f;
        basisOf[q.index()] = b;
    };

    for (size_t i = 0; i < Q.sg.inputs.size(); ++i) {
        const Tensor& qt = Q.sg.tensor(Q.sg.inputs[i]);
        const Tensor& ft = F.sg.tensor(F.sg.inputs[i]);
        if (qt.elementCount() != ft.elementCount())
            return makeError("input " + std::to_string(i) + ": the float model's '" + ft.name + "' has " +
                             std::to_string(ft.elementCount()) + " elements, the quantized model's '" + qt.name + "' " +
                             std::to_string(qt.elementCount()));
        setCanon(Q.sg.inputs[i], F.sg.inputs[i], MatchBasis::Position);
    }

    // Float operators by the canonical tensors they read (non-constant inputs).
    std::vector<std::vector<size_t>> readers(F.sg.tensors.size());
    for (size_t o = 0; o < nfo; ++o) {
        if (F.conversion[o]) continue;
        for (TensorIndex t : F.sg.operators[o].inputs)
            if (t.valid() && !F.isConst(t)) {
                auto& r = readers[F.canonical(t).index()];
                if (r.empty() || r.back() != o) r.push_back(o);
            }
    }
    std::vector<bool> floatTaken(nfo, false);

    // Does float operator f take the counterparts of q's non-constant inputs, in order `perm`?
    auto inputsAgree = [&](const Operator& q, const Operator& f, bool swapped) {
        for (size_t i = 0; i < q.inputs.size(); ++i) {
            const size_t fi = swapped && i < 2 ? 1 - i : i;
            const TensorIndex qt = q.inputs[i], ft = f.inputs[fi];
            if (qt.valid() != ft.valid()) return false;
            if (!qt.valid()) continue;
            if (Q.isConst(qt) != F.isConst(ft)) return false;
            if (Q.isConst(qt)) continue;
            const TensorIndex want = canonRef[Q.canonical(qt).index()];
            if (!want.valid() || F.canonical(ft) != want) return false;
        }
        return true;
    };
    auto score = [&](const Operator& q, const Operator& f) {
        int s = 0;
        for (size_t i = 0; i < std::min(q.inputs.size(), f.inputs.size()); ++i)
            if (q.inputs[i].valid() && f.inputs[i].valid() && Q.isConst(q.inputs[i]) &&
                Q.sg.tensor(q.inputs[i]).shape == F.sg.tensor(f.inputs[i]).shape)
                s += 2;
        for (size_t i = 0; i < std::min(q.outputs.size(), f.outputs.size()); ++i)
            if (Q.sg.tensor(q.outputs[i]).shape == F.sg.tensor(f.outputs[i]).shape) s += 2;
        if (!q.outputs.empty() && !f.outputs.empty() &&
            normalizedTensorName(Q.sg.tensor(q.outputs[0]).name) == normalizedTensorName(F.sg.tensor(f.outputs[0]).name))
            s += 1;
        return s;
    };

    for (size_t o = 0; o < nqo; ++o) {
        if (Q.conversion[o]) continue;
        const Operator& q = Q.sg.operators[o];
        // A DEQUANTIZE of constant data only produces a weight; weights match through the
        // operators that read them.
        if (q.outputs.size() == 1 && Q.isConst(q.outputs[0])) continue;
        // Candidates: readers of the counterpart of the first non-constant input.
        std::vector<size_t> pool;
        bool anyDynamicInput = false, inputsKnown = true;
        std::string missing;
        for (size_t i = 0; i < q.inputs.size(); ++i) {
            const TensorIndex t = q.inputs[i];
            if (!t.valid() || Q.isConst(t)) continue;
            anyDynamicInput = true;
            const TensorIndex want = canonRef[Q.canonical(t).index()];
            if (!want.valid()) {
                if (inputsKnown) missing = "input " + std::to_string(i) + " " + tensorText(quantModel, t) + " has no float counterpart";
                inputsKnown = false;
            } else if (pool.empty()) {
                pool = readers[want.index()];
            }
        }
        if (!anyDynamicInput)
            for (size_t f = 0; f < nfo; ++f) pool.push_back(f);

        OperatorIndex best;
        MatchBasis basis = MatchBasis::Topology;
        if (inputsKnown) {
            int bestScore = -1;
            for (size_t f : pool) {
                const Operator& fo = F.sg.operators[f];
                if (floatTaken[f] || F.conversion[f] || fo.op != q.op || fo.customCode != q.customCode ||
                    fo.inputs.size() != q.inputs.size() || fo.outputs.size() != q.outputs.size())
                    continue;
                if (!inputsAgree(q, fo, false) && !(commutative(q.op) && q.inputs.size() == 2 && inputsAgree(q, fo, true)))
                    continue;
                const int s = score(q, fo);
                if (s > bestScore) bestScore = s, best = OperatorIndex{f};
            }
            if (!best.valid())
                missing = "no unmatched float " + q.typeName() + " operator reads the float counterparts of its inputs";
        }
        if (!best.valid() && !q.outputs.empty()) {
            // Rule 4: the name hint.
            const std::string name = normalizedTensorName(Q.sg.tensor(q.outputs[0]).name);
            for (size_t f = 0; f < nfo && !best.valid(); ++f) {
                const Operator& fo = F.sg.operators[f];
                if (!floatTaken[f] && !F.conversion[f] && fo.op == q.op && fo.outputs.size() == q.outputs.size() &&
                    !fo.outputs.empty() && normalizedTensorName(F.sg.tensor(fo.outputs[0]).name) == name)
                    best = OperatorIndex{f}, basis = MatchBasis::Name;
            }
        }
        if (!best.valid()) {
            m.unmatchedQuant.push_back({UnmatchedItem::Kind::Operator, int32_t(o), opText(quantModel, OperatorIndex{o}), missing});
            continue;
        }
        floatTaken[best.index()] = true;
        m.refOfOperator[o] = best;
        m.operators.push_back({OperatorIndex{o}, best, basis});
        const Operator& fo = F.sg.operators[best.index()];
        for (size_t k = 0; k < q.outputs.size(); ++k)
            if (Q.sg.tensor(q.outputs[k]).elementCount() == F.sg.tensor(fo.outputs[k]).elementCount())
                setCanon(q.outputs[k], fo.outputs[k], basis);
        for (size_t i = 0; i < q.inputs.size(); ++i) {
            const TensorIndex qt = q.inputs[i], ft = fo.inputs[i];
            if (qt.valid() && ft.valid() && Q.isConst(qt) && F.isConst(ft) && !m.refOfTensor[qt.index()].valid() &&
                Q.sg.tensor(qt).elementCount() == F.sg.tensor(ft).elementCount()) {
                m.refOfTensor[qt.index()] = ft;
                m.tensors.push_back({qt, ft, basis, true});
            }
        }
    }

    // Graph outputs still without counterpart: by position.
    for (size_t i = 0; i < Q.sg.outputs.size(); ++i) {
        const TensorIndex c = Q.canonical(Q.sg.outputs[i]);
        if (!canonRef[c.index()].valid() &&
            Q.sg.tensor(Q.sg.outputs[i]).elementCount() == F.sg.tensor(F.sg.outputs[i]).elementCount())
            setCanon(c, F.sg.outputs[i], MatchBasis::Position);
    }

    // Every non-constant tensor through its canonical tensor.
    std::vector<bool> used(nqt, false);
    for (const Operator& op : Q.sg.operators) {
        for (TensorIndex t : op.inputs) if (t.valid()) used[t.index()] = true;
        for (TensorIndex t : op.outputs) if (t.valid()) used[t.index()] = true;
    }
    for (TensorIndex t : Q.sg.inputs) used[t.index()] = true;
    for (TensorIndex t : Q.sg.outputs) used[t.index()] = true;
    for (size_t t = 0; t < nqt; ++t) {
        if (Q.constLike[t] || !used[t]) continue;
        const TensorIndex c = Q.canon[t];
        const TensorIndex f = canonRef[c.index()];
        if (f.valid() && Q.sg.tensors[t].elementCount() == F.sg.tensor(f).elementCount()) {
            m.refOfTensor[t] = f;
            m.tensors.push_back({TensorIndex{t}, f, basisOf[c.index()], false});
        } else {
            const OperatorIndex p = t < Q.sg.producer.size() ? Q.sg.producer[t] : OperatorIndex{};
            m.unmatchedQuant.push_back({UnmatchedItem::Kind::Tensor, int32_t(t), tensorText(quantModel, TensorIndex{t}),
                                        f.valid() ? "its counterpart " + tensorText(floatModel, f) + " has another element count"
                                        : p.valid() ? "its producer " + opText(quantModel, p) + " is not matched"
                                                    : "no float tensor corresponds"});
        }
    }
    std::sort(m.tensors.begin(), m.tensors.end(), [](const TensorMatch& a, const TensorMatch& b) { return a.quant < b.quant; });
    for (size_t f = 0; f < nfo; ++f)
        if (!floatTaken[f] && !F.conversion[f] &&
            !(F.sg.operators[f].outputs.size() == 1 && F.isConst(F.sg.operators[f].outputs[0])))
            m.unmatchedFloat.push_back({UnmatchedItem::Kind::Operator, int32_t(f), opText(floatModel, OperatorIndex{f}),
                                        "no operator of the quantized model corresponds (fused, removed or unmatched upstream)"});
    return m;
}

} // namespace ql::analysis
