#include "tflite/Validate.h"

#include "tflite/ValidateGraph.h"
#include "util/CheckedMath.h"
#include "util/Float16.h"

#include <cstring>

#include <cmath>
#include <optional>
#include <utility>
#include <limits>

namespace ql {
namespace {

constexpr int32_t kMaxRank = 16;

std::string sgPrefix(const Model& model, size_t subgraph) {
    return model.subgraphs.size() > 1 ? "subgraph " + std::to_string(subgraph) + ", " : std::string();
}

class Validator {
public:
    Validator(Model& model, const ValidateLimits& limits) : m(model), m_maxTensorBytes(limits.maxTensorBytes), m_limits(limits) {}
    Status run();

private:
    Status checkTensor(size_t sg, size_t t);
    Status checkQuantization(size_t sg, size_t t);
    Status checkBlockwise(size_t sg, size_t t, const std::string& who);
    Status checkOperators(size_t sg);
    std::string usedBy(size_t sg, size_t t) const;
    void diag(Severity s, std::string msg) { m.diagnostics.push_back({s, std::move(msg)}); }

    Model& m;
    uint64_t m_maxTensorBytes;
    ValidateLimits m_limits;
};

std::string Validator::usedBy(size_t sg, size_t t) const {
    const Subgraph& g = m.subgraphs[sg];
    if (t >= g.consumers.size() || g.consumers[t].empty()) return {};
    return " (input of " + describeOperator(m, sg, g.consumers[t].front()).substr(sgPrefix(m, sg).size()) + ")";
}

Status Validator::run() {
    const size_t sgCount = m.subgraphs.size();
    for (size_t sg = 0; sg < sgCount; ++sg) {
        Subgraph& g = m.subgraphs[sg];
        const size_t nt = g.tensors.size();
        auto checkList = [&](const std::vector<TensorIndex>& list, const char* what) -> Status {
            for (TensorIndex t : list)
                if (!t.valid() || t.index() >= nt)
                    return makeError(sgPrefix(m, sg) + what + " refers to tensor " + std::to_string(t.value) +
                                     ", but the subgraph has " + std::to_string(nt) + " tensors");
            return {};
        };
        if (Status s = checkList(g.inputs, "subgraph input list"); !s) return s;
        if (Status s = checkList(g.outputs, "subgraph output list"); !s) return s;
        if (Status s = checkOperators(sg); !s) return s;
    }
    m.rebuildIndex(); // operators are in range now: consumers name the operators in messages
    for (size_t sg = 0; sg < sgCount; ++sg)
        for (size_t t = 0; t < m.subgraphs[sg].tensors.size(); ++t)
            if (Status s = checkTensor(sg, t); !s) return s;
    // Shapes and buffers are sound now: how operators and subgraphs connect them.
    for (size_t sg = 0; sg < sgCount; ++sg)
        if (Status s = checkOperatorGraph(m, sg); !s) return s;
    if (Status s = checkControlFlow(m); !s) return s;
    if (Status s = checkDeclaredMemory(m, m_limits.maxMemoryBytes); !s) return s;

    for (const SignatureDef& sig : m.signatures) {
        if (!sig.subgraph.valid() || sig.subgraph.index() >= sgCount)
            return makeError("signature '" + sig.key + "' refers to subgraph " + std::to_string(sig.subgraph.value) +
                             ", but the model has " + std::to_string(sgCount));
        const size_t nt = m.subgraphs[sig.subgraph.index()].tensors.size();
        for (const auto* list : {&sig.inputs, &sig.outputs})
            for (const SignatureTensor& st : *list)
                if (!st.tensor.valid() || st.tensor.index() >= nt)
                    return makeError("signature '" + sig.key + "' maps '" + st.name + "' to tensor " +
                                     std::to_string(st.tensor.value) + ", but its subgraph has " + std::to_string(nt) + " tensors");
    }
    for (const MetadataEntry& md : m.metadata)
        if (!md.buffer.valid() || md.buffer.index() >= m.buffers.size())
            return makeError("metadata '" + md.name + "' refers to buffer " + std::to_string(md.buffer.value) +
                             ", but the model has " + std::to_string(m.buffers.size()) + " buffers");
    return {};
}

Status Validator::checkOperators(size_t sg) {
    const Subgraph& g = m.subgraphs[sg];
    const size_t nt = g.tensors.size();
    for (size_t o = 0; o < g.operators.size(); ++o) {
        const Operator& op = g.operators[o];
        const std::string who = sgPrefix(m, sg) + "operator " + std::to_string(o) + " (" + op.typeName() + ")";
        auto check = [&](const std::vector<TensorIndex>& list, const char* what, bool optionalAllowed) -> Status {
            for (size_t k = 0; k < list.size(); ++k) {
                const TensorIndex t = list[k];
                if (optionalAllowed && t.value == -1) continue;
                if (!t.valid() || t.index() >= nt)
                    return makeError(who + ": " + what + " " + std::to_string(k) + " is tensor " + std::to_string(t.value) +
                                     ", expected -1 (omitted) or an index below " + std::to_string(nt));
            }
            return {};
        };
        if (Status s = check(op.inputs, "input", true); !s) return s;
        if (Status s = check(op.outputs, "output", true); !s) return s;
        if (Status s = check(op.intermediates, "intermediate", true); !s) return s;
        if (op.op != BuiltinOp::CUSTOM && opName(op.op) == "UNKNOWN_OP")
            diag(Severity::Warning, who + ": builtin operator code " + std::to_string(static_cast<int>(op.op)) +
                                        " is newer than QuantLab's schema");
    }
    return {};
}

Status Validator::checkTensor(size_t sg, size_t ti) {
    Tensor& t = m.subgraphs[sg].tensors[ti];
    const std::string who = describeTensor(m, sg, TensorIndex{ti});
    if (t.shape.size() > kMaxRank)
        return makeError(who + ": rank " + std::to_string(t.shape.size()) + " exceeds the supported maximum of " +
                         std::to_string(kMaxRank));
    uint64_t count = 1;
    for (size_t d = 0; d < t.shape.size(); ++d) {
        const int32_t dim = t.shape[d];
        if (dim < 0)
            return makeError(who + ": dimension " + std::to_string(d) + " of the shape is " + std::to_string(dim) +
                             ", expected a non-negative size (unknown sizes belong in shape_signature)");
        if (dim != 0 && count > (uint64_t(1) << 48) / uint64_t(dim))
            return makeError(who + ": the element count of the shape overflows");
        count *= uint64_t(dim);
    }
    const auto bytes = byteCount(t.type, count);
    if (bytes && *bytes > m_maxTensorBytes)
        return makeError(who + ": declares " + std::to_string(*bytes) + " bytes, more than the limit of " +
                         std::to_string(m_maxTensorBytes) + " bytes");
    if (!t.buffer.valid() || t.buffer.index() >= m.buffers.size())
        return makeError(who + ": refers to buffer " + std::to_string(t.buffer.value) + ", but the model has " +
                         std::to_string(m.buffers.size()) + " buffers");
    const Buffer& buf = m.buffers[t.buffer.index()];
    if (!buf.empty() && bytes && !t.sparsity && t.type != TensorType::INT4 && buf.size != *bytes)
        return makeError(who + ": its constant buffer " + std::to_string(t.buffer.value) + " holds " + std::to_string(buf.size) +
                         " bytes, expected " + std::to_string(*bytes) + " (" + std::to_string(count) + " x " +
                         std::string(typeName(t.type)) + ")");
    // A sparse constant stores only its non-zero values (DENSIFY decodes them): at most the
    // dense size, whole elements. The layout itself is checked by DENSIFY's prepare.
    if (!buf.empty() && t.sparsity && bytes && (buf.size > *bytes || (elementSize(t.type) && buf.size % elementSize(t.type))))
        return makeError(who + ": its sparse buffer " + std::to_string(t.buffer.value) + " holds " + std::to_string(buf.size) +
                         " bytes, expected whole " + std::string(typeName(t.type)) + " values and at most " +
                         std::to_string(*bytes) + " bytes");
    if (!buf.empty() && t.type == TensorType::INT4 && bytes && buf.size != *bytes && buf.size != count)
        return makeError(who + ": its int4 buffer holds " + std::to_string(buf.size) + " bytes, expected " +
                         std::to_string(*bytes) + " (packed) or " + std::to_string(count));
    return checkQuantization(sg, ti);
}

// The values an integer tensor of `type` holds, for its zero point; nullopt for other types.
std::optional<std::pair<int64_t, int64_t>> zeroPointRange(TensorType type) {
    switch (type) {
    case TensorType::INT4: return std::pair<int64_t, int64_t>{-8, 7};
    case TensorType::UINT4: return std::pair<int64_t, int64_t>{0, 15};
    case TensorType::INT2: return std::pair<int64_t, int64_t>{-2, 1};
    case TensorType::INT8: return std::pair<int64_t, int64_t>{-128, 127};
    case TensorType::UINT8: return std::pair<int64_t, int64_t>{0, 255};
    case TensorType::INT16: return std::pair<int64_t, int64_t>{-32768, 32767};
    case TensorType::UINT16: return std::pair<int64_t, int64_t>{0, 65535};
    default: return std::nullopt;
    }
}

Status Validator::checkQuantization(size_t sg, size_t ti) {
    Tensor& t = m.subgraphs[sg].tensors[ti];
    const QuantParams& q = t.quant;
    if (q.blockwise) return checkBlockwise(sg, ti, describeTensor(m, sg, TensorIndex{ti}) + usedBy(sg, ti));
    if (q.scale.empty() && q.zeroPoint.empty()) return {};
    const std::string who = describeTensor(m, sg, TensorIndex{ti}) + usedBy(sg, ti);
    const size_t ns = q.scale.size();
    // TFLite's InterpreterBuilder::ParseQuantization refuses a file whose arrays differ in length.
    if (!q.zeroPoint.empty() && q.zeroPoint.size() != ns)
        return makeError(who + ": " + std::to_string(ns) + (ns == 1 ? " scale" : " scales") + " but " +
                         std::to_string(q.zeroPoint.size()) + (q.zeroPoint.size() == 1 ? " zero point" : " zero points") +
                         "; the two arrays must have the same length (TFLite refuses the file too)");
    // A zero point is a value of the tensor's own type (the integer that represents real 0);
    // one outside that range has no meaning, and kernels that add it to int32 products would
    // overflow them.
    if (const auto range = zeroPointRange(t.type))
        for (size_t i = 0; i < q.zeroPoint.size(); ++i)
            if (q.zeroPoint[i] < range->first || q.zeroPoint[i] > range->second)
                return makeError(who + ": zero_point[" + std::to_string(i) + "] is " + std::to_string(q.zeroPoint[i]) +
                                 ", outside the " + std::string(typeName(t.type)) + " range [" + std::to_string(range->first) +
                                 ", " + std::to_string(range->second) + "]");
    for (size_t i = 0; i < ns; ++i) {
        const float s = q.scale[i];
        if (!std::isfinite(s) || s <= 0.0f) {
            diag(Severity::Error, who + ": scale[" + std::to_string(i) + "] is " + std::to_string(s) +
                                      ", expected a positive finite number");
            break;
        }
    }
    if (ns > 1) {
        const int32_t rank = static_cast<int32_t>(t.shape.size());
        if (q.quantizedDimension < 0 || q.quantizedDimension >= rank) {
            diag(Severity::Error, who + ": quantized_dimension must be in range [0, " + std::to_string(rank) + ") for a rank-" +
                                      std::to_string(rank) + " tensor, but is " + std::to_string(q.quantizedDimension) +
                                      "; full TFLite refuses this file (TFLite Micro accepts it)");
        } else if (static_cast<size_t>(t.shape[q.quantizedDimension]) != ns) {
            diag(Severity::Error, who + ": " + std::to_string(ns) + " per-channel scales, but dimension " +
                                      std::to_string(q.quantizedDimension) + " has size " +
                                      std::to_string(t.shape[q.quantizedDimension]));
        }
    }
    return {};
}

// Blockwise quantization: the tensor's last dimension is cut into blocks of block_size values;
// the scales tensor has the tensor's shape with the last dimension divided by block_size
// (weights [units, depth] -> scales [units, depth / block_size]), and so has the optional
// zero-point tensor. Everything a kernel would index is checked here, so that no read leaves
// the buffers; scale values that are not positive and finite are errors the interpreter refuses.
Status Validator::checkBlockwise(size_t sg, size_t ti, const std::string& who) {
    const Subgraph& g = m.subgraphs[sg];
    const Tensor& t = g.tensors[ti];
    const BlockwiseParams& b = *t.quant.blockwise;
    const auto typeOk = t.type == TensorType::INT4 || t.type == TensorType::UINT4 || t.type == TensorType::INT2 ||
                        t.type == TensorType::INT8 || t.type == TensorType::UINT8;
    if (!typeOk)
        return makeError(who + ": blockwise quantization of a " + std::string(typeName(t.type)) +
                         " tensor; expected int4, uint4, int2, int8 or uint8 values");
    if (t.shape.empty()) return makeError(who + ": blockwise quantization of a scalar; blocks run along the last dimension");
    const int32_t last = t.shape.back();
    if (b.blockSize <= 0 || last % b.blockSize != 0)
        return makeError(who + ": block_size is " + std::to_string(b.blockSize) + ", expected a positive divisor of the last dimension " +
                         std::to_string(last));
    std::vector<int32_t> expected = t.shape;
    expected.back() = last / b.blockSize;
    auto shapeText = [](const std::vector<int32_t>& shape) {
        std::string out = "[";
        for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
        return out + "]";
    };
    auto checkSide = [&](TensorIndex side, const char* role, bool isScale) -> Status {
        if (!side.valid() || side.index() >= g.tensors.size() || side.index() == ti)
            return makeError(who + ": its blockwise " + role + " tensor is " + std::to_string(side.value) + ", expected another of the " +
                             std::to_string(g.tensors.size()) + " tensors of the subgraph");
        const Tensor& s = g.tensors[side.index()];
        const std::string sideWho = std::string("blockwise ") + role + " tensor " + std::to_string(side.value) + " '" + s.name + "'";
        if (isScale && s.type != TensorType::FLOAT32 && s.type != TensorType::FLOAT16)
            return makeError(who + ": " + sideWho + " is " + std::string(typeName(s.type)) + ", expected float32 or float16");
        if (!isScale && s.type != TensorType::INT8 && s.type != TensorType::INT32 && s.type != TensorType::INT16 &&
            s.type != TensorType::INT64)
            return makeError(who + ": " + sideWho + " is " + std::string(typeName(s.type)) + ", expected an integer type");
        if (s.shape != expected)
            return makeError(who + ": " + sideWho + " has shape " + shapeText(s.shape) + ", expected " + shapeText(expected) +
                             " (the tensor's shape " + shapeText(t.shape) + " with the last dimension / block_size " +
                             std::to_string(b.blockSize) + ")");
        if (!s.buffer.valid() || s.buffer.index() >= m.buffers.size() || m.buffers[s.buffer.index()].empty())
            return makeError(who + ": " + sideWho + " has no constant data");
        uint64_t count = 1;
        for (int32_t d : s.shape) count *= uint64_t(std::max(d, 0));
        const Buffer& buf = m.buffers[s.buffer.index()];
        const auto bytes = byteCount(s.type, count);
        if (!bytes || buf.size != *bytes)
            return makeError(who + ": " + sideWho + " holds " + std::to_string(buf.size) + " bytes, expected " +
                             std::to_string(bytes.value_or(0)));
        if (isScale) {
            for (uint64_t i = 0; i < count; ++i) {
                float v;
                if (s.type == TensorType::FLOAT16) {
                    uint16_t h;
                    std::memcpy(&h, buf.data + 2 * i, 2);
                    v = halfToFloat(h);
                } else {
                    std::memcpy(&v, buf.data + 4 * i, 4);
                }
                if (!std::isfinite(v) || v <= 0.0f) {
                    diag(Severity::Error, who + ": blockwise scale[" + std::to_string(i) + "] is " + std::to_string(v) +
                                              ", expected a positive finite number");
                    break;
                }
            }
        }
        return {};
    };
    if (Status s = checkSide(b.scales, "scales", true); !s) return s;
    if (b.zeroPoints.value != -1)
        if (Status s = checkSide(b.zeroPoints, "zero-points", false); !s) return s;
    return {};
}

} // namespace

std::string describeTensor(const Model& model, size_t subgraph, TensorIndex t) {
    std::string s = sgPrefix(model, subgraph) + "tensor " + std::to_string(t.value);
    if (subgraph < model.subgraphs.size() && t.valid() && t.index() < model.subgraphs[subgraph].tensors.size())
        s += " '" + model.subgraphs[subgraph].tensors[t.index()].name + "'";
    return s;
}

std::string describeOperator(const Model& model, size_t subgraph, OperatorIndex o) {
    std::string s = sgPrefix(model, subgraph) + "operator " + std::to_string(o.value);
    if (subgraph < model.subgraphs.size() && o.valid() && o.index() < model.subgraphs[subgraph].operators.size())
        s += " (" + model.subgraphs[subgraph].operators[o.index()].typeName() + ")";
    return s;
}

Status validateModel(Model& model, const ValidateLimits& limits) { return Validator(model, limits).run(); }

} // namespace ql
