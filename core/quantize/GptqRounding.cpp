#include "quantize/GptqRounding.h"

#include "quant/SubByte.h"
#include "quantize/FloatCounterpart.h"
#include "quantize/GraphEdit.h"
#include "runtime/Interpreter.h"
#include "util/Float16.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace ql::quantize {

Result<WeightRounding> parseRounding(std::string_view t) {
    if (t == "nearest") return WeightRounding::Nearest;
    if (t == "gptq") return WeightRounding::Gptq;
    return makeError("unknown rounding '" + std::string(t) + "' (nearest, gptq)");
}

std::string_view roundingName(WeightRounding r) {
    return r == WeightRounding::Gptq ? "gptq" : "nearest";
}

float WeightGrid::scale(size_t row, size_t column, size_t depth) const {
    if (scales.size() == 1) return scales[0];
    if (blockSize > 0) return scales[row * (depth / blockSize) + column / blockSize];
    return scales[row];
}

namespace {

using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

int8_t roundTo(float w, float s, int qmax) {
    const float q = std::round(w / s);
    return static_cast<int8_t>(std::clamp(q, float(-qmax), float(qmax)));
}

Eigen::Map<const MatrixD> hessianOf(std::span<const double> h, size_t depth) {
    return Eigen::Map<const MatrixD>(h.data(), Eigen::Index(depth), Eigen::Index(depth));
}

} // namespace

std::vector<int8_t> nearestRound(std::span<const float> w, size_t rows, size_t depth,
                                 const WeightGrid& grid) {
    std::vector<int8_t> q(rows * depth);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < depth; ++c)
            q[r * depth + c] = roundTo(w[r * depth + c], grid.scale(r, c, depth), grid.qmax);
    return q;
}

std::vector<int8_t> gptqRound(std::span<const float> w, size_t rows, size_t depth,
                              std::span<const double> hessian, const WeightGrid& grid) {
    const Eigen::Index d = Eigen::Index(depth);
    const auto source = hessianOf(hessian, depth);
    // Act order: the columns whose inputs carry the most energy go first.
    std::vector<size_t> order(depth);
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return source(Eigen::Index(a), Eigen::Index(a)) > source(Eigen::Index(b), Eigen::Index(b));
    });
    Eigen::MatrixXd h = Eigen::MatrixXd::Zero(d, d);
    for (Eigen::Index a = 0; a < d; ++a)
        for (Eigen::Index b = 0; b < d; ++b)
            h(a, b) = source(Eigen::Index(order[size_t(a)]), Eigen::Index(order[size_t(b)]));
    // A dead input (never non-zero) decouples from the rest: a unit diagonal, no error spread.
    double diagonalSum = 0;
    for (Eigen::Index a = 0; a < d; ++a) {
        if (!(h(a, a) > 0)) {
            h.row(a).setZero();
            h.col(a).setZero();
            h(a, a) = 1;
        }
        diagonalSum += h(a, a);
    }
    h.diagonal().array() += 0.01 * diagonalSum / double(std::max<Eigen::Index>(d, 1));
    Eigen::LLT<Eigen::MatrixXd> factor(h);
    if (factor.info() != Eigen::Success) return nearestRound(w, rows, depth, grid);
    const Eigen::MatrixXd inverse = factor.solve(Eigen::MatrixXd::Identity(d, d));
    Eigen::LLT<Eigen::MatrixXd> inverseFactor(inverse);
    if (inverseFactor.info() != Eigen::Success) return nearestRound(w, rows, depth, grid);
    const Eigen::MatrixXd u = inverseFactor.matrixU(); // inverse = U^T U

    // Columns in act order; the error of column a is spread over the columns after it.
    Eigen::MatrixXd work = Eigen::MatrixXd::Zero(Eigen::Index(rows), d);
    for (size_t r = 0; r < rows; ++r)
        for (Eigen::Index a = 0; a < d; ++a)
            work(Eigen::Index(r), a) = w[r * depth + order[size_t(a)]];
    std::vector<int8_t> q(rows * depth);
    Eigen::VectorXd err = Eigen::VectorXd::Zero(Eigen::Index(rows));
    for (Eigen::Index a = 0; a < d; ++a) {
        const size_t column = order[size_t(a)];
        for (size_t r = 0; r < rows; ++r) {
            const float s = grid.scale(r, column, depth);
            const double x = work(Eigen::Index(r), a);
            const int8_t v = roundTo(float(x), s, grid.qmax);
            q[r * depth + column] = v;
            err(Eigen::Index(r)) = (x - double(s) * v) / u(a, a);
        }
        const Eigen::Index rest = d - a - 1;
        if (rest > 0) work.rightCols(rest).noalias() -= err * u.row(a).tail(rest);
    }
    return q;
}

double layerOutputSqnrDb(std::span<const float> w, std::span<const int8_t> q, size_t rows,
                         size_t depth, std::span<const double> hessian, const WeightGrid& grid) {
    const auto h = hessianOf(hessian, depth);
    MatrixD weights = MatrixD::Zero(Eigen::Index(rows), Eigen::Index(depth)), error = weights;
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < depth; ++c) {
            weights(Eigen::Index(r), Eigen::Index(c)) = w[r * depth + c];
            error(Eigen::Index(r), Eigen::Index(c)) =
                double(w[r * depth + c]) - double(grid.scale(r, c, depth)) * q[r * depth + c];
        }
    const double signal = (weights * h).cwiseProduct(weights).sum();
    const double noise = (error * h).cwiseProduct(error).sum();
    if (!(noise > 0)) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(std::max(signal, 0.0) / noise);
}

namespace {

// Layers whose weights and input second moment are beyond this depth are left alone (H alone
// would take depth^2 doubles: 128 MiB at 4096).
constexpr size_t kMaxDepth = 4096;
// Per layer and sample, at most this many multiply-adds go into H; larger layers use every k-th
// output position (the same positions in every sample).
constexpr double kMaxHessianWork = 2e8;

struct Layer {
    size_t op = 0;      // quantized model
    size_t floatOp = 0; // float model
    BuiltinOp kind = BuiltinOp::FULLY_CONNECTED;
    TensorIndex weights;                  // quantized model
    TensorIndex floatWeights, floatInput; // float model
    size_t rows = 0, depth = 0;
    WeightGrid grid;
    // CONV_2D geometry (input NHWC, weights [rows, kh, kw, cin]).
    int kh = 1, kw = 1, cin = 0, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
    bool same = false;
    // depth x depth, from the even and from the odd calibration samples (two folds).
    std::vector<double> hessian[2];
};

// The float32 scales of a blockwise weight's scale tensor (float16 or float32 constant).
std::vector<float> blockScales(const Model& m, const Subgraph& sg, TensorIndex scales) {
    if (!scales.valid() || scales.index() >= sg.tensors.size()) return {};
    const Tensor& t = sg.tensor(scales);
    if (!m.isConstant(t)) return {};
    const auto bytes = m.buffer(t.buffer).bytes();
    std::vector<float> out;
    if (t.type == TensorType::FLOAT16) {
        out.resize(bytes.size() / 2);
        for (size_t i = 0; i < out.size(); ++i) {
            uint16_t h;
            std::memcpy(&h, bytes.data() + 2 * i, 2);
            out[i] = halfToFloat(h);
        }
    } else if (t.type == TensorType::FLOAT32) {
        out.resize(bytes.size() / 4);
        if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * 4);
    }
    return out;
}

// The quantized weights' integers (int8, or int4 unpacked); empty when the buffer is short.
std::vector<int8_t> integersOf(const Model& m, const Tensor& t, size_t count) {
    const auto bytes = m.buffer(t.buffer).bytes();
    std::vector<int8_t> out(count);
    if (t.type == TensorType::INT8) {
        if (bytes.size() < count) return {};
        if (count) std::memcpy(out.data(), bytes.data(), count);
    } else {
        if (bytes.size() < (count + 1) / 2) return {};
        unpackInt4(bytes, out);
    }
    return out;
}

std::vector<Layer> findLayers(const Model& floatModel, const Model& quantModel,
                              RoundingReport& report) {
    const Subgraph& fs = floatModel.subgraphs[0];
    const Subgraph& qs = quantModel.subgraphs[0];
    const FloatCounterpart counterpart(fs);
    std::vector<int> producer(fs.tensors.size(), -1);
    for (size_t i = 0; i < fs.operators.size(); ++i)
        for (TensorIndex o : fs.operators[i].outputs)
            if (o.valid() && o.index() < producer.size()) producer[o.index()] = int(i);
    std::vector<size_t> readers(qs.tensors.size(), 0);
    for (const Operator& op : qs.operators)
        for (TensorIndex t : op.inputs)
            if (t.valid() && t.index() < readers.size()) ++readers[t.index()];

    std::vector<Layer> out;
    for (size_t i = 0; i < qs.operators.size(); ++i) {
        const Operator& op = qs.operators[i];
        if (op.op != BuiltinOp::CONV_2D && op.op != BuiltinOp::FULLY_CONNECTED) continue;
        if (op.inputs.size() < 2 || op.outputs.empty() || !op.inputs[1].valid() ||
            !op.outputs[0].valid())
            continue;
        const Tensor& w = qs.tensor(op.inputs[1]);
        if ((w.type != TensorType::INT8 && w.type != TensorType::INT4) || !quantModel.isConstant(w))
            continue;
        if (readers[op.inputs[1].index()] != 1)
            continue; // shared weights: one rounding cannot suit two inputs
        const size_t expectedRank = op.op == BuiltinOp::CONV_2D ? 4 : 2;
        if (w.shape.size() != expectedRank || w.shape[0] <= 0) continue;
        const size_t rows = size_t(w.shape[0]);
        const size_t count = size_t(w.elementCount());
        const size_t depth = count / rows;
        if (depth == 0) continue;
        Layer layer;
        layer.op = i;
        layer.kind = op.op;
        layer.weights = op.inputs[1];
        layer.rows = rows;
        layer.depth = depth;
        layer.grid.qmax = w.type == TensorType::INT4 ? 7 : 127;
        bool zeroPoints = true;
        for (int64_t z : w.quant.zeroPoint)
            zeroPoints = zeroPoints && z == 0;
        if (!zeroPoints) continue;
        if (w.quant.isBlockwise()) {
            const int bs = w.quant.blockwise->blockSize;
            if (bs <= 0 || depth % size_t(bs) != 0 || op.op != BuiltinOp::FULLY_CONNECTED) continue;
            layer.grid.scales = blockScales(quantModel, qs, w.quant.blockwise->scales);
            layer.grid.blockSize = size_t(bs);
            if (layer.grid.scales.size() != rows * (depth / size_t(bs))) continue;
        } else {
            layer.grid.scales = w.quant.scale;
            if (layer.grid.scales.size() != 1 &&
                (layer.grid.scales.size() != rows || w.quant.quantizedDimension != 0))
                continue;
        }
        bool positive = !layer.grid.scales.empty();
        for (float s : layer.grid.scales)
            positive = positive && std::isfinite(s) && s > 0;
        if (!positive) continue;
        // The float operator with the same output.
        const int fo = counterpart.of(qs.tensor(op.outputs[0]).name);
        if (fo < 0 || producer[size_t(fo)] < 0) continue;
        const Operator& fop = fs.operators[size_t(producer[size_t(fo)])];
        if (fop.op != op.op || fop.inputs.size() < 2 || !fop.inputs[0].valid() ||
            !fop.inputs[1].valid())
            continue;
        const Tensor& fw = fs.tensor(fop.inputs[1]);
        const Tensor& fin = fs.tensor(fop.inputs[0]);
        if (fw.type != TensorType::FLOAT32 || !floatModel.isConstant(fw) || fw.shape != w.shape)
            continue;
        if (floatModel.buffer(fw.buffer).size < count * sizeof(float)) continue;
        if (fin.type != TensorType::FLOAT32) continue;
        if (op.op == BuiltinOp::CONV_2D) {
            const auto* o = op.options.AsConv2DOptions();
            if (!o || fin.shape.size() != 4 || fin.shape[3] != w.shape[3]) continue;
            layer.kh = w.shape[1];
            layer.kw = w.shape[2];
            layer.cin = w.shape[3];
            layer.strideH = std::max(o->stride_h, 1);
            layer.strideW = std::max(o->stride_w, 1);
            layer.dilationH = std::max(o->dilation_h_factor, 1);
            layer.dilationW = std::max(o->dilation_w_factor, 1);
            layer.same = o->padding == tflite::Padding::SAME;
        } else if (fin.shape.empty() || fin.elementCount() % int64_t(depth) != 0) {
            continue;
        }
        layer.floatOp = size_t(producer[size_t(fo)]);
        if (depth > kMaxDepth) {
            report.skipped.emplace_back(layer.floatOp, op.typeName() + ": depth " +
                                                           std::to_string(depth) + " over " +
                                                           std::to_string(kMaxDepth));
            continue;
        }
        layer.floatWeights = fop.inputs[1];
        layer.floatInput = fop.inputs[0];
        layer.hessian[0].assign(depth * depth, 0.0);
        layer.hessian[1].assign(depth * depth, 0.0);
        out.push_back(std::move(layer));
    }
    return out;
}

// Adds x x^T over the layer's input rows (FULLY_CONNECTED) or patches (CONV_2D) of one sample.
void accumulate(Layer& layer, std::vector<double>& hessian, const rt::RtTensor& input) {
    const float* x = input.as<float>();
    const size_t depth = layer.depth;
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows;
    if (layer.kind == BuiltinOp::FULLY_CONNECTED) {
        const size_t n = size_t(input.elementCount()) / depth;
        const size_t step = std::max<size_t>(
            1, size_t(double(n) * double(depth) * double(depth) / kMaxHessianWork));
        const size_t taken = (n + step - 1) / step;
        rows.resize(Eigen::Index(taken), Eigen::Index(depth));
        for (size_t k = 0; k < taken; ++k)
            for (size_t c = 0; c < depth; ++c)
                rows(Eigen::Index(k), Eigen::Index(c)) = x[k * step * depth + c];
    } else {
        if (input.shape.size() != 4) return;
        const int batch = input.shape[0], ih = input.shape[1], iw = input.shape[2],
                  cin = input.shape[3];
        const int effH = (layer.kh - 1) * layer.dilationH + 1,
                  effW = (layer.kw - 1) * layer.dilationW + 1;
        const int oh =
            layer.same ? (ih + layer.strideH - 1) / layer.strideH : (ih - effH) / layer.strideH + 1;
        const int ow =
            layer.same ? (iw + layer.strideW - 1) / layer.strideW : (iw - effW) / layer.strideW + 1;
        if (oh <= 0 || ow <= 0 || batch <= 0 || cin != layer.cin) return;
        const int padTop = layer.same ? std::max((oh - 1) * layer.strideH + effH - ih, 0) / 2 : 0;
        const int padLeft = layer.same ? std::max((ow - 1) * layer.strideW + effW - iw, 0) / 2 : 0;
        const size_t positions = size_t(batch) * size_t(oh) * size_t(ow);
        const size_t step = std::max<size_t>(
            1, size_t(double(positions) * double(depth) * double(depth) / kMaxHessianWork));
        const size_t taken = (positions + step - 1) / step;
        rows.setZero(Eigen::Index(taken), Eigen::Index(depth));
        for (size_t k = 0; k < taken; ++k) {
            const size_t p = k * step;
            const int b = int(p / (size_t(oh) * size_t(ow)));
            const int y = int(p / size_t(ow) % size_t(oh)), xo = int(p % size_t(ow));
            for (int ky = 0; ky < layer.kh; ++ky) {
                const int iy = y * layer.strideH - padTop + ky * layer.dilationH;
                if (iy < 0 || iy >= ih) continue;
                for (int kx = 0; kx < layer.kw; ++kx) {
                    const int ix = xo * layer.strideW - padLeft + kx * layer.dilationW;
                    if (ix < 0 || ix >= iw) continue;
                    const float* src =
                        x + ((size_t(b) * size_t(ih) + size_t(iy)) * size_t(iw) + size_t(ix)) *
                                size_t(cin);
                    float* dst = rows.data() + k * depth +
                                 (size_t(ky) * size_t(layer.kw) + size_t(kx)) * size_t(cin);
                    std::memcpy(dst, src, size_t(cin) * sizeof(float));
                }
            }
        }
    }
    const Eigen::MatrixXf h = rows.transpose() * rows;
    for (size_t a = 0; a < depth; ++a)
        for (size_t b = 0; b < depth; ++b)
            hessian[a * depth + b] += double(h(Eigen::Index(a), Eigen::Index(b)));
}

} // namespace

Result<RoundingReport> roundWeightsGptq(std::shared_ptr<const Model> floatModel, Model& quantModel,
                                        const data::DataSource& floatData,
                                        const Progress& progress) {
    RoundingReport report;
    std::vector<Layer> layers = findLayers(*floatModel, quantModel, report);
    if (layers.empty()) return report;
    rt::InterpreterOptions keep;
    keep.keepAllTensors = true; // every layer's float input is read after the run
    auto interp = rt::Interpreter::create(floatModel, keep);
    if (!interp) return makeError("GPTQ rounding, float model: " + interp.message());
    rt::Interpreter& in = **interp;
    const size_t total = floatData.size();
    for (size_t i = 0; i < total; ++i) {
        if (progress.cancelled()) return makeError("cancelled");
        const std::string where = "GPTQ rounding, sample " + std::to_string(i) + ": ";
        auto sample = floatData.get(i);
        if (!sample) return makeError(where + sample.message());
        if (sample->tensors.size() != in.inputCount())
            return makeError(where + "the data has " + std::to_string(sample->tensors.size()) +
                             " inputs, the model " + std::to_string(in.inputCount()));
        in.resetVariables();
        for (size_t k = 0; k < sample->tensors.size(); ++k)
            if (Status s = in.setInput(k, sample->tensors[k].type, sample->tensors[k].bytes); !s)
                return makeError(where + s.message());
        if (Status s = in.invoke(); !s) return makeError(where + s.message());
        for (Layer& layer : layers) {
            const rt::RtTensor& x = in.tensor(layer.floatInput);
            // Non-finite inputs would poison H; such samples are refused by calibration anyway.
            if (x.type == TensorType::FLOAT32 && x.data) accumulate(layer, layer.hessian[i % 2], x);
        }
        report.samples = i + 1;
        progress("GPTQ rounding: inputs", total ? double(i + 1) / double(total) : 1.0);
    }

    Subgraph& qs = quantModel.subgraphs[0];
    for (size_t k = 0; k < layers.size(); ++k) {
        if (progress.cancelled()) return makeError("cancelled");
        Layer& layer = layers[k];
        bool finite = true;
        for (const auto& h : layer.hessian)
            for (double v : h)
                finite = finite && std::isfinite(v);
        const Operator& op = qs.operators[layer.op];
        const Tensor& w = qs.tensor(layer.weights);
        const size_t count = layer.rows * layer.depth;
        const std::vector<float> floats =
            constantFloats(*floatModel, floatModel->subgraphs[0].tensor(layer.floatWeights));
        const std::vector<int8_t> nearest = integersOf(quantModel, w, count);
        if (!finite || nearest.empty() || floats.size() < count) continue;
        RoundedLayer r;
        r.op = layer.floatOp;
        r.opType = op.typeName();
        r.name = qs.tensor(op.outputs[0]).name;
        r.weightType = std::string(typeName(w.type));
        const auto sqnr = [&](const std::vector<int8_t>& q, const std::vector<double>& h) {
            return layerOutputSqnrDb(floats, q, layer.rows, layer.depth, h, layer.grid);
        };
        std::vector<double> all(layer.hessian[0]);
        for (size_t e = 0; e < all.size(); ++e)
            all[e] += layer.hessian[1][e];
        if (report.samples >= 2) {
            // Two folds: rounded with one half's H, measured on the other half's.
            const auto fromEven =
                gptqRound(floats, layer.rows, layer.depth, layer.hessian[0], layer.grid);
            const auto fromOdd =
                gptqRound(floats, layer.rows, layer.depth, layer.hessian[1], layer.grid);
            const double nearOdd = sqnr(nearest, layer.hessian[1]),
                         nearEven = sqnr(nearest, layer.hessian[0]);
            const double gptqOdd = sqnr(fromEven, layer.hessian[1]),
                         gptqEven = sqnr(fromOdd, layer.hessian[0]);
            r.nearestDb = 0.5 * (nearOdd + nearEven);
            r.gptqDb = 0.5 * (gptqOdd + gptqEven);
            r.applied = gptqOdd > nearOdd && gptqEven > nearEven;
        } else {
            r.nearestDb = sqnr(nearest, all);
            r.gptqDb = sqnr(gptqRound(floats, layer.rows, layer.depth, all, layer.grid), all);
            r.applied = r.gptqDb > r.nearestDb;
        }
        if (r.applied) {
            const std::vector<int8_t> rounded =
                gptqRound(floats, layer.rows, layer.depth, all, layer.grid);
            std::vector<uint8_t> bytes;
            if (w.type == TensorType::INT8) {
                bytes.resize(count);
                if (count) std::memcpy(bytes.data(), rounded.data(), count);
            } else {
                bytes = packInt4(rounded);
            }
            qs.tensor(layer.weights).buffer = quantModel.addBuffer(std::move(bytes));
        }
        report.layers.push_back(std::move(r));
        progress("GPTQ rounding: weights", double(k + 1) / double(layers.size()));
    }
    removeUnused(quantModel); // the replaced weight buffers
    return report;
}

} // namespace ql::quantize
