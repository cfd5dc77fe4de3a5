#include "HostileModels.h"

#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace ql::test {
namespace {

using T = TensorType;
constexpr int32_t kIntMax = std::numeric_limits<int32_t>::max();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

template <class O> tflite::BuiltinOptionsUnion wrap(O value) {
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(value));
    return u;
}

std::vector<uint8_t> bytesOf(const Model& m) {
    auto bytes = serializeModel(m);
    if (!bytes) throw std::runtime_error("hostile model: the writer refused: " + bytes.message());
    return std::move(bytes.value());
}

// input [shape] float -> OP(input, constant int32 `param` of `paramShape`) -> output [outShape].
Model unaryWithParam(BuiltinOp op, std::vector<int32_t> inShape, std::vector<int32_t> paramShape,
                     std::vector<int32_t> param, std::vector<int32_t> outShape,
                     tflite::BuiltinOptionsUnion options = {}) {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", T::FLOAT32, std::move(inShape));
    const TensorIndex p = b.addConstant("param", T::INT32, std::move(paramShape), param);
    const TensorIndex out = b.addTensor("output", T::FLOAT32, std::move(outShape));
    b.addOperator(op, {in, p}, {out}, std::move(options));
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

// input [shape] float -> OP -> output, with options only.
Model unary(BuiltinOp op, std::vector<int32_t> inShape, std::vector<int32_t> outShape,
            tflite::BuiltinOptionsUnion options = {}) {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", T::FLOAT32, std::move(inShape));
    const TensorIndex out = b.addTensor("output", T::FLOAT32, std::move(outShape));
    b.addOperator(op, {in}, {out}, std::move(options));
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

Model convWith(int strideH, int dilationH) {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", T::FLOAT32, {1, 8, 8, 1});
    const TensorIndex w =
        b.addConstant("weights", T::FLOAT32, {1, 3, 3, 1}, std::vector<float>(9, 0.5f));
    const TensorIndex bias = b.addConstant("bias", T::FLOAT32, {1}, std::vector<float>{0.0f});
    const TensorIndex out = b.addTensor("output", T::FLOAT32, {1, 8, 8, 1});
    b.addOperator(BuiltinOp::CONV_2D, {in, w, bias}, {out},
                  conv2dOptions(Padding::SAME, strideH, 1, Activation::NONE, dilationH, 1));
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

// input -> FULLY_CONNECTED with the given 3x4 weights -> output (a model to quantize).
Model fcWithWeights(std::vector<float> weights) {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", T::FLOAT32, {1, 4});
    const TensorIndex w = b.addConstant("weights", T::FLOAT32, {3, 4}, weights);
    const TensorIndex bias =
        b.addConstant("bias", T::FLOAT32, {3}, std::vector<float>{0.f, 0.f, 0.f});
    const TensorIndex out = b.addTensor("output", T::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

tflite::SparseIndexVectorUnion int32Vector(std::vector<int32_t> v) {
    tflite::SparseIndexVectorUnion u;
    tflite::Int32VectorT iv;
    iv.values = std::move(v);
    u.Set(std::move(iv));
    return u;
}

std::unique_ptr<tflite::DimensionMetadataT> denseLevel(int32_t size) {
    auto d = std::make_unique<tflite::DimensionMetadataT>();
    d->format = tflite::DimensionType::DENSE;
    d->dense_size = size;
    return d;
}

std::unique_ptr<tflite::DimensionMetadataT> sparseLevel(std::vector<int32_t> segments,
                                                        std::vector<int32_t> indices) {
    auto d = std::make_unique<tflite::DimensionMetadataT>();
    d->format = tflite::DimensionType::SPARSE_CSR;
    d->array_segments = int32Vector(std::move(segments));
    d->array_indices = int32Vector(std::move(indices));
    return d;
}

// A constant [rows, cols] float with CSR sparsity holding `values`, feeding `op`.
Model sparseConstant(BuiltinOp op, int32_t rows, int32_t cols,
                     std::shared_ptr<tflite::SparsityParametersT> sp, std::vector<float> values) {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", T::FLOAT32, {rows, cols});
    const TensorIndex c = b.addConstant("sparse_weights", T::FLOAT32, {rows, cols}, values);
    b.subgraph().tensors[c.index()].sparsity = std::move(sp);
    const TensorIndex out = b.addTensor("output", T::FLOAT32, {rows, cols});
    if (op == BuiltinOp::DENSIFY) {
        const TensorIndex dense = b.addTensor("dense", T::FLOAT32, {rows, cols});
        b.addOperator(BuiltinOp::DENSIFY, {c}, {dense});
        b.addOperator(BuiltinOp::ADD, {in, dense}, {out}, addOptions());
    } else {
        b.addOperator(op, {in, c}, {out}, addOptions());
    }
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

void add(std::vector<HostileCase>& cases, std::string name, const Model& m,
         std::vector<std::string> expect) {
    cases.push_back({std::move(name), bytesOf(m), std::move(expect)});
}

} // namespace

std::vector<HostileCase> hostileModels() {
    std::vector<HostileCase> cases;

    // TILE whose output element count overflows int32 (the multiples multiply a 2x2 input).
    add(cases, "tile-output-overflow",
        unaryWithParam(BuiltinOp::TILE, {2, 2}, {2}, {65536, 65536}, {2, 2}),
        {"operator 0 (TILE)", "tensor 2 'output'", "[131072,131072]"});

    // A tensor that is both input and output of its own operator (TFLite's
    // CheckTensorIndices/graph validation refuses it): TILE, CONCATENATION and ADD.
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {2, 2});
        const TensorIndex loop = b.addTensor("loop", T::FLOAT32, {2, 2});
        b.addOperator(BuiltinOp::CONCATENATION, {in, loop}, {loop}, concatenationOptions(0));
        b.setInputs({in});
        b.setOutputs({loop});
        add(cases, "self-loop-concat", b.build(),
            {"operator 0 (CONCATENATION)", "tensor 1 'loop'", "its own"});
    }
    {
        ModelBuilder b;
        const TensorIndex m = b.addConstant("multiples", T::INT32, {2}, std::vector<int32_t>{2, 2});
        const TensorIndex loop = b.addTensor("loop", T::FLOAT32, {2, 2});
        b.addOperator(BuiltinOp::TILE, {loop, m}, {loop});
        b.setInputs({loop});
        b.setOutputs({loop});
        add(cases, "self-loop-tile", b.build(),
            {"operator 0 (TILE)", "tensor 1 'loop'", "its own"});
    }
    // Two operators feeding each other (a cycle): no order exists in which to run them.
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {4});
        const TensorIndex a = b.addTensor("a", T::FLOAT32, {4});
        const TensorIndex c = b.addTensor("c", T::FLOAT32, {4});
        b.addOperator(BuiltinOp::ADD, {in, c}, {a}, addOptions());
        b.addOperator(BuiltinOp::ADD, {in, a}, {c}, addOptions());
        b.setInputs({in});
        b.setOutputs({c});
        add(cases, "cycle-two-operators", b.build(), {"operator 0 (ADD)", "tensor 2 'c'", "cycle"});
    }
    // One tensor written by two operators.
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {4});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {4});
        b.addOperator(BuiltinOp::RELU, {in}, {out});
        b.addOperator(BuiltinOp::RELU6, {in}, {out});
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "two-producers", b.build(),
            {"operator 1 (RELU6)", "tensor 1 'output'", "operator 0"});
    }
    // An operator writing a constant (its bytes are the read-only mapped file).
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {4});
        const TensorIndex c =
            b.addConstant("weights", T::FLOAT32, {4}, std::vector<float>{1, 2, 3, 4});
        b.addOperator(BuiltinOp::RELU, {in}, {c});
        b.setInputs({in});
        b.setOutputs({c});
        add(cases, "constant-output", b.build(),
            {"operator 0 (RELU)", "tensor 1 'weights'", "constant"});
    }

    // PAD with a before-padding of 2^31 (int64 paddings): must not be truncated into the shape.
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {1, 4});
        const TensorIndex p = b.addConstant("paddings", T::INT64, {2, 2},
                                            std::vector<int64_t>{0, 0, int64_t(1) << 31, 0});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {1, 4});
        b.addOperator(BuiltinOp::PAD, {in, p}, {out});
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "pad-before-2pow31", b.build(),
            {"operator 0 (PAD)", "'paddings'", "2147483648"});
    }
    add(cases, "pad-negative",
        unaryWithParam(BuiltinOp::PAD, {1, 4}, {2, 2}, {0, 0, -9, 0}, {1, 4}),
        {"operator 0 (PAD)", "'param'", "-9"});

    // A sparse constant fed to an operator other than DENSIFY, its buffer shorter than the shape.
    {
        auto sp = std::make_shared<tflite::SparsityParametersT>();
        sp->traversal_order = {0, 1};
        sp->dim_metadata.push_back(denseLevel(64));
        sp->dim_metadata.push_back(sparseLevel({0, 1}, {0}));
        add(cases, "sparse-to-add", sparseConstant(BuiltinOp::ADD, 64, 64, sp, {1.0f}),
            {"operator 0 (ADD)", "tensor 1 'sparse_weights'", "sparse"});
    }
    // DENSIFY whose dense levels claim 2^31-1 entries above an empty sparse level: 2^62 steps.
    {
        auto sp = std::make_shared<tflite::SparsityParametersT>();
        sp->traversal_order = {0, 1, 2};
        sp->dim_metadata.push_back(denseLevel(kIntMax));
        sp->dim_metadata.push_back(denseLevel(kIntMax));
        sp->dim_metadata.push_back(sparseLevel({0, 0}, {}));
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {1, 1, 1});
        const TensorIndex c =
            b.addConstant("sparse_weights", T::FLOAT32, {1, 1, 1}, std::vector<float>{});
        b.subgraph().tensors[c.index()].sparsity = sp;
        b.model().buffers[b.subgraph().tensors[c.index()].buffer.index()] =
            Buffer::owning({0, 0, 0, 0});
        const TensorIndex dense = b.addTensor("dense", T::FLOAT32, {1, 1, 1});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {1, 1, 1});
        b.addOperator(BuiltinOp::DENSIFY, {c}, {dense});
        b.addOperator(BuiltinOp::ADD, {in, dense}, {out}, addOptions());
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "densify-huge-dense-levels", b.build(),
            {"'sparse_weights'", "dense_size", "2147483647"});
    }

    // A graph input that is a constant: feeding it would write into the read-only file.
    {
        ModelBuilder b;
        const TensorIndex c =
            b.addConstant("weights", T::FLOAT32, {4}, std::vector<float>{1, 2, 3, 4});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {4});
        b.addOperator(BuiltinOp::RELU, {c}, {out});
        b.setInputs({c});
        b.setOutputs({out});
        add(cases, "constant-graph-input", b.build(),
            {"tensor 0 'weights'", "graph input", "constant"});
    }

    // RESIZE_NEAREST_NEIGHBOR of a zero-size input to 4x4.
    add(cases, "resize-nearest-empty-input",
        unaryWithParam(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, {1, 0, 0, 1}, {2}, {4, 4}, {1, 4, 4, 1},
                       wrap(tflite::ResizeNearestNeighborOptionsT{})),
        {"operator 0 (RESIZE_NEAREST_NEIGHBOR)", "'input'", "no elements"});

    // WHILE whose condition is a constant true: runs until the iteration limit.
    {
        ModelBuilder b;
        const TensorIndex x = b.addTensor("x", T::FLOAT32, {1});
        const TensorIndex y = b.addTensor("y", T::FLOAT32, {1});
        tflite::WhileOptionsT wo;
        wo.cond_subgraph_index = 1;
        wo.body_subgraph_index = 2;
        b.addOperator(BuiltinOp::WHILE, {x}, {y}, wrap(wo));
        b.setInputs({x});
        b.setOutputs({y});
        b.addSubgraph("cond");
        const TensorIndex cx = b.addTensor("cx", T::FLOAT32, {1});
        const TensorIndex truth = b.addConstant("always", T::BOOL, {}, std::vector<uint8_t>{1});
        const TensorIndex c2 = b.addTensor("cond_out", T::BOOL, {});
        b.addOperator(BuiltinOp::LOGICAL_OR, {truth, truth}, {c2});
        b.setInputs({cx});
        b.setOutputs({c2});
        b.addSubgraph("body");
        const TensorIndex bx = b.addTensor("bx", T::FLOAT32, {1});
        const TensorIndex by = b.addTensor("by", T::FLOAT32, {1});
        b.addOperator(BuiltinOp::RELU, {bx}, {by});
        b.setInputs({bx});
        b.setOutputs({by});
        add(cases, "while-constant-true", b.build(), {"operator 0 (WHILE)", "iterations"});
    }
    // Control flow that calls itself: subgraph 0's WHILE uses subgraph 0 as its body.
    {
        ModelBuilder b;
        const TensorIndex x = b.addTensor("x", T::FLOAT32, {1});
        const TensorIndex y = b.addTensor("y", T::FLOAT32, {1});
        tflite::WhileOptionsT wo;
        wo.cond_subgraph_index = 1;
        wo.body_subgraph_index = 0;
        b.addOperator(BuiltinOp::WHILE, {x}, {y}, wrap(wo));
        b.setInputs({x});
        b.setOutputs({y});
        b.addSubgraph("cond");
        const TensorIndex cx = b.addTensor("cx", T::FLOAT32, {1});
        const TensorIndex f = b.addConstant("never", T::BOOL, {}, std::vector<uint8_t>{0});
        const TensorIndex c2 = b.addTensor("cond_out", T::BOOL, {});
        b.addOperator(BuiltinOp::LOGICAL_AND, {f, f}, {c2});
        b.setInputs({cx});
        b.setOutputs({c2});
        add(cases, "while-recursive-body", b.build(),
            {"operator 0 (WHILE)", "subgraph 0", "recursive"});
    }
    // Mutual recursion through IF: subgraph 1 calls subgraph 2, which calls subgraph 1.
    {
        ModelBuilder b;
        const TensorIndex cond = b.addTensor("cond", T::BOOL, {});
        const TensorIndex x = b.addTensor("x", T::FLOAT32, {1});
        const TensorIndex y = b.addTensor("y", T::FLOAT32, {1});
        auto ifOptions = [](int t, int e) {
            tflite::IfOptionsT o;
            o.then_subgraph_index = t;
            o.else_subgraph_index = e;
            return wrap(o);
        };
        b.addOperator(BuiltinOp::IF, {cond, x}, {y}, ifOptions(1, 2));
        b.setInputs({cond, x});
        b.setOutputs({y});
        for (int sg = 1; sg <= 2; ++sg) {
            b.addSubgraph("branch" + std::to_string(sg));
            const TensorIndex bc = b.addTensor("c", T::BOOL, {});
            const TensorIndex bx = b.addTensor("x", T::FLOAT32, {1});
            const TensorIndex by = b.addTensor("y", T::FLOAT32, {1});
            b.addOperator(BuiltinOp::IF, {bc, bx}, {by}, ifOptions(3 - sg, 3 - sg));
            b.setInputs({bc, bx});
            b.setOutputs({by});
        }
        add(cases, "if-mutual-recursion", b.build(), {"operator 0 (IF)", "recursive"});
    }

    // Element counts and reshape sizes that overflow int.
    add(cases, "reshape-overflow",
        unaryWithParam(BuiltinOp::RESHAPE, {4}, {5}, {65536, 65536, 65536, 65536, 65536}, {4},
                       reshapeOptions({65536, 65536, 65536, 65536, 65536})),
        {"operator 0 (RESHAPE)", "65536"});
    add(cases, "reshape-negative",
        unaryWithParam(BuiltinOp::RESHAPE, {4}, {2}, {-2, -2}, {4}, reshapeOptions({-2, -2})),
        {"operator 0 (RESHAPE)", "-2"});
    add(cases, "element-count-overflow", unary(BuiltinOp::RELU, {65536, 65536, 65536, 65536}, {1}),
        {"tensor 0 'input'", "overflows"});
    add(cases, "negative-dimension", unary(BuiltinOp::RELU, {4, -3}, {4}),
        {"tensor 0 'input'", "-3"});

    // Multi-GB activations, each under the per-tensor limit, together over any machine's memory.
    {
        ModelBuilder b;
        TensorIndex prev = b.addTensor("input", T::FLOAT32, {1});
        const TensorIndex first = prev;
        for (int i = 0; i < 64; ++i) {
            const TensorIndex next =
                b.addTensor("big" + std::to_string(i), T::FLOAT32, {1 << 14, 1 << 15}); // 2 GiB
            b.addOperator(BuiltinOp::RELU, {prev}, {next});
            prev = next;
        }
        b.setInputs({first});
        b.setOutputs({prev});
        add(cases, "multi-gb-tensors", b.build(), {"'big", "memory"});
    }

    // Convolution and pooling parameters far outside the input.
    add(cases, "conv-dilation-intmax", convWith(1, kIntMax),
        {"operator 0 (CONV_2D)", "dilation", "2147483647"});
    add(cases, "conv-stride-intmax", convWith(kIntMax, 1),
        {"operator 0 (CONV_2D)", "stride", "2147483647"});
    add(cases, "conv-stride-zero", convWith(0, 1), {"operator 0 (CONV_2D)", "stride", "0"});
    add(cases, "maxpool-filter-intmax",
        unary(BuiltinOp::MAX_POOL_2D, {1, 8, 8, 1}, {1, 8, 8, 1},
              poolOptions(Padding::SAME, 1, 1, kIntMax, kIntMax)),
        {"operator 0 (MAX_POOL_2D)", "filter", "2147483647"});

    // block * block overflowing int.
    {
        tflite::SpaceToDepthOptionsT o;
        o.block_size = 65536;
        add(cases, "space-to-depth-huge-block",
            unary(BuiltinOp::SPACE_TO_DEPTH, {1, 4, 4, 1}, {1, 1, 1, 16}, wrap(o)),
            {"operator 0 (SPACE_TO_DEPTH)", "block_size", "65536"});
        tflite::DepthToSpaceOptionsT d;
        d.block_size = 65536;
        add(cases, "depth-to-space-huge-block",
            unary(BuiltinOp::DEPTH_TO_SPACE, {1, 1, 1, 16}, {1, 4, 4, 1}, wrap(d)),
            {"operator 0 (DEPTH_TO_SPACE)", "block_size", "4294967296"});
    }
    // SPACE_TO_BATCH_ND with a huge block: batch * block overflows (was batch 0).
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {1, 4, 4, 1});
        const TensorIndex blk =
            b.addConstant("block_shape", T::INT32, {2}, std::vector<int32_t>{65536, 65536});
        const TensorIndex pad =
            b.addConstant("paddings", T::INT32, {2, 2}, std::vector<int32_t>{65532, 0, 65532, 0});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {1, 1, 1, 1});
        b.addOperator(BuiltinOp::SPACE_TO_BATCH_ND, {in, blk, pad}, {out});
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "space-to-batch-huge-block", b.build(),
            {"operator 0 (SPACE_TO_BATCH_ND)", "block", "65536"});
    }

    // RANGE with a NaN limit (constant inputs: folded at prepare).
    {
        ModelBuilder b;
        const TensorIndex s = b.addConstant("start", T::FLOAT32, {}, std::vector<float>{0.0f});
        const TensorIndex l = b.addConstant("limit", T::FLOAT32, {}, std::vector<float>{kNaN});
        const TensorIndex d = b.addConstant("delta", T::FLOAT32, {}, std::vector<float>{1.0f});
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {1});
        const TensorIndex r = b.addTensor("range", T::FLOAT32, {1});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {1});
        b.addOperator(BuiltinOp::RANGE, {s, l, d}, {r});
        b.addOperator(BuiltinOp::ADD, {in, r}, {out}, addOptions());
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "range-nan-limit", b.build(), {"operator 0 (RANGE)", "'limit'", "nan"});
    }
    add(cases, "softmax-nan-beta", unary(BuiltinOp::SOFTMAX, {1, 4}, {1, 4}, softmaxOptions(kNaN)),
        {"operator 0 (SOFTMAX)", "beta", "nan"});

    // 4 scales with 1 zero point (TFLite's quantization parameter check refuses it).
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {1, 4});
        QuantParams q;
        q.scale = {0.1f, 0.1f, 0.1f, 0.1f};
        q.zeroPoint = {0};
        const TensorIndex w =
            b.addConstant("weights", T::INT8, {4, 4}, std::vector<int8_t>(16, 1), q);
        const TensorIndex dq = b.addTensor("dequantized", T::FLOAT32, {4, 4});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {1, 4});
        b.addOperator(BuiltinOp::DEQUANTIZE, {w}, {dq});
        b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, dq}, {out}, fullyConnectedOptions());
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "four-scales-one-zero-point", b.build(),
            {"tensor 1 'weights'", "4 scales", "1 zero point"});
    }
    // An int8 FULLY_CONNECTED whose input zero point (-1114112) is no int8 value: every product
    // (w - zw) * (x - zx) is about 2^40 and the int32 accumulator overflows.
    {
        ModelBuilder b;
        QuantParams qx;
        qx.scale = {0.5f};
        qx.zeroPoint = {-1114112};
        QuantParams qw;
        qw.scale = {0.5f};
        qw.zeroPoint = {0};
        QuantParams qo;
        qo.scale = {1.0f};
        qo.zeroPoint = {0};
        const TensorIndex in = b.addTensor("input", T::INT8, {1, 4}, qx);
        const TensorIndex w = b.addConstant("weights", T::INT8, {2, 4}, std::vector<int8_t>(8, 100), qw);
        const TensorIndex out = b.addTensor("output", T::INT8, {1, 2}, qo);
        b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w}, {out}, fullyConnectedOptions());
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "int8-zero-point-out-of-range", b.build(),
            {"tensor 0 'input'", "zero_point[0] is -1114112", "int8 range"});
    }
    // An int8 FULLY_CONNECTED whose input scale is NaN: its requantization multiplier and the
    // clamp bounds derived from the scale would be NaN converted to integers.
    {
        ModelBuilder b;
        QuantParams qx;
        qx.scale = {std::numeric_limits<float>::quiet_NaN()};
        qx.zeroPoint = {0};
        QuantParams q1;
        q1.scale = {0.5f};
        q1.zeroPoint = {0};
        const TensorIndex in = b.addTensor("input", T::INT8, {1, 4}, qx);
        const TensorIndex w = b.addConstant("weights", T::INT8, {2, 4}, std::vector<int8_t>(8, 1), q1);
        const TensorIndex out = b.addTensor("output", T::INT8, {1, 2}, q1);
        b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w}, {out}, fullyConnectedOptions());
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "int8-nan-scale", b.build(), {"tensor 0 'input'", "scale[0] is nan"});
    }

    // STRIDED_SLICE with two ellipses.
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {2, 3, 4});
        const TensorIndex begin =
            b.addConstant("begin", T::INT32, {3}, std::vector<int32_t>{0, 0, 0});
        const TensorIndex end = b.addConstant("end", T::INT32, {3}, std::vector<int32_t>{1, 1, 1});
        const TensorIndex strides =
            b.addConstant("strides", T::INT32, {3}, std::vector<int32_t>{1, 1, 1});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {2, 3, 1});
        tflite::StridedSliceOptionsT o;
        o.ellipsis_mask = 0b101;
        b.addOperator(BuiltinOp::STRIDED_SLICE, {in, begin, end, strides}, {out}, wrap(o));
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "strided-slice-two-ellipses", b.build(),
            {"operator 0 (STRIDED_SLICE)", "ellipsis"});
    }
    // SPLIT into zero parts (a division by zero in TFLite before its fix).
    {
        ModelBuilder b;
        const TensorIndex axis = b.addConstant("axis", T::INT32, {}, std::vector<int32_t>{0});
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {4});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {4});
        tflite::SplitOptionsT o;
        o.num_splits = 0;
        b.addOperator(BuiltinOp::SPLIT, {axis, in}, {out}, wrap(o));
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "split-zero-parts", b.build(), {"operator 0 (SPLIT)", "num_splits"});
    }
    // GATHER with a constant index past the end (TFLite advisory: gather out-of-bounds read).
    {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", T::FLOAT32, {4});
        const TensorIndex idx =
            b.addConstant("indices", T::INT32, {1}, std::vector<int32_t>{1 << 30});
        const TensorIndex out = b.addTensor("output", T::FLOAT32, {1});
        b.addOperator(BuiltinOp::GATHER, {in, idx}, {out}, wrap(tflite::GatherOptionsT{}));
        b.setInputs({in});
        b.setOutputs({out});
        add(cases, "gather-index-out-of-range", b.build(), {"operator 0 (GATHER)", "1073741824"});
    }

    // Non-finite float weights: quantizing them must not write inf/NaN scales.
    add(cases, "weights-nan", fcWithWeights({kNaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}),
        {"tensor 1 'weights'", "nan"});
    add(cases, "weights-inf", fcWithWeights({1, 2, 3, kInf, 4, 5, 6, 7, 8, 9, 10, 11}),
        {"tensor 1 'weights'", "inf"});
    cases[cases.size() - 2].refusedBeforeQuantize = false;
    cases[cases.size() - 1].refusedBeforeQuantize = false;
    addLowBitCases(cases);
    return cases;
}

void writeHostileModels(const std::string& dir) {
    std::filesystem::create_directories(dir);
    for (const HostileCase& c : hostileModels()) {
        std::ofstream out(std::filesystem::path(dir) / (c.name + ".tflite"), std::ios::binary);
        out.write(reinterpret_cast<const char*>(c.bytes.data()),
                  static_cast<std::streamsize>(c.bytes.size()));
    }
}

} // namespace ql::test
