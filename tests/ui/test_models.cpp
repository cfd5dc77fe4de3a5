// The inspectors' item models under QAbstractItemModelTester, with their contents checked.
#include "Snapshots.h"
#include "TestModels.h"
#include "inspect/BlockTableModel.h"
#include "inspect/DiagnosticsModel.h"
#include "inspect/ModelInfoModel.h"
#include "inspect/OperatorModel.h"
#include "inspect/TensorModel.h"

#include "model/ModelBuilder.h"
#include "quant/SubByte.h"
#include "util/Float16.h"

#include <QAbstractItemModelTester>
#include <catch2/catch.hpp>

#include <cstring>

using namespace ql;
using namespace ql::ui;

namespace {

std::shared_ptr<const Model> int8Fc() { return std::make_shared<const Model>(test::makeInt8FullyConnected()); }

// Finds a row by its name column anywhere in a tree; returns its value column text.
QString valueOf(const QAbstractItemModel& m, const QString& name, const QModelIndex& parent = {}) {
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        if (i.data().toString() == name) return m.index(r, 1, parent).data().toString();
        const QString inner = valueOf(m, name, i);
        if (!inner.isNull()) return inner;
    }
    return {};
}

} // namespace

TEST_CASE("operator model and requantization model", "[ui][models]") {
    OperatorModel model;
    RequantModel requant;
    QAbstractItemModelTester t1(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester t2(&requant, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const auto m = int8Fc();
    const auto snap = makeOperatorSnapshot(m, SubgraphIndex{0}, OperatorIndex{0});
    model.resetData(snap);
    requant.resetData(snap);
    CHECK(valueOf(model, "type") == "FULLY_CONNECTED");
    CHECK(valueOf(model, "version") == "4");
    CHECK(valueOf(model, "fused_activation_function") == "NONE"); // options by name
    CHECK(valueOf(model, "quantization") == "int8");
    REQUIRE(requant.rowCount() == 3);
    const Subgraph& sg = m->subgraphs[0];
    const Operator& fc = sg.operators[0];
    const double expected = double(sg.tensor(fc.inputs[0]).quant.scale[0]) * double(sg.tensor(fc.inputs[1]).quant.scale[1]) /
                            double(sg.tensor(fc.outputs[0]).quant.scale[0]); // s_in * s_w[1] / s_out
    CHECK(requant.index(1, RequantModel::EffectiveColumn).data(RequantModel::ValueRole).toDouble() == Approx(expected).epsilon(1e-6));
    const int qm = requant.index(1, RequantModel::MultiplierColumn).data(RequantModel::ValueRole).toInt();
    const int shift = requant.index(1, RequantModel::ShiftColumn).data(RequantModel::ValueRole).toInt();
    CHECK(double(qm) * std::ldexp(1.0, shift - 31) == Approx(expected).epsilon(1e-8));
    model.resetData(nullptr);
    requant.resetData(nullptr);
    CHECK(model.rowCount() == 0);
    CHECK(requant.rowCount() == 0);
}

TEST_CASE("tensor, quantization table and values models", "[ui][models]") {
    TensorModel tensor;
    QuantTableModel quant;
    TensorValuesModel values;
    QAbstractItemModelTester t1(&tensor, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester t2(&quant, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester t3(&values, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const auto m = int8Fc();
    const auto& fc = m->subgraphs[0].operators[0];
    const auto snap = makeTensorSnapshot(m, SubgraphIndex{0}, fc.inputs[1]); // weights [3, 4] per-channel int8
    REQUIRE(snap->hasValues);
    tensor.resetData(snap);
    quant.resetData(snap);
    values.resetData(snap, TensorValuesModel::Mode::Raw);
    CHECK(valueOf(tensor, "dtype") == "int8");
    CHECK(valueOf(tensor, "shape") == "[3, 4]");
    CHECK(valueOf(tensor, "quantized_dimension") == "0");
    REQUIRE(quant.rowCount() == 3);
    CHECK(quant.index(1, QuantTableModel::ScaleColumn).data(QuantTableModel::ValueRole).toDouble() == Approx(0.02));
    CHECK(quant.index(1, QuantTableModel::MinFloatColumn).data(QuantTableModel::ValueRole).toDouble() == Approx(-128 * 0.02));
    // observed range of channel 0: raw {-127, -50, 0, 50} * 0.01
    CHECK(quant.index(0, QuantTableModel::ObservedMinColumn).data(QuantTableModel::ValueRole).toDouble() == Approx(-1.27));
    CHECK(values.rowCount() == 3);
    CHECK(values.columnCount() == 4);
    CHECK(values.index(0, 0).data(TensorValuesModel::ValueRole).toDouble() == -127);
    values.resetData(snap, TensorValuesModel::Mode::Dequantized);
    CHECK(values.index(0, 0).data(TensorValuesModel::ValueRole).toDouble() == Approx(-1.27));

    // an activation without samples: properties, no values
    const auto act = makeTensorSnapshot(m, SubgraphIndex{0}, fc.outputs[0]);
    CHECK_FALSE(act->hasValues);
    tensor.resetData(act);
    values.resetData(act, TensorValuesModel::Mode::Dequantized);
    CHECK(values.rowCount() == 0);
    CHECK(valueOf(tensor, "kind") == "activation");

    // with calibration samples, the activation has values and the calibrator's range
    auto samples = std::make_shared<ActivationSamples>();
    samples->calibrator = "minmax";
    samples->values[fc.outputs[0].value] = {0.5, -1.0, 2.0};
    samples->chosenRange[fc.outputs[0].value] = {-1.0, 2.0};
    const auto sampled = makeTensorSnapshot(m, SubgraphIndex{0}, fc.outputs[0], samples);
    CHECK(sampled->hasValues);
    CHECK(sampled->fromSamples);
    CHECK(sampled->hasChosenRange);
    CHECK(sampled->realStats.max == 2.0);
}

TEST_CASE("diagnostics and model info models", "[ui][models]") {
    DiagnosticsModel diag;
    ModelInfoModel info;
    QAbstractItemModelTester t1(&diag, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester t2(&info, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto items = std::make_shared<std::vector<Diagnostic>>();
    items->push_back({Severity::Error, "tensor 3: quantized_dimension 3 out of range"});
    items->push_back({Severity::Warning, "something odd"});
    diag.resetData(items);
    CHECK(diag.rowCount() == 2);
    CHECK(diag.count(Severity::Error) == 1);
    CHECK(diag.index(0, DiagnosticsModel::MessageColumn).data().toString().contains("quantized_dimension"));
    auto loaded = std::make_shared<LoadedModel>();
    loaded->path = "cnn.tflite";
    loaded->model = std::make_shared<const Model>(test::makeSmallCnn());
    loaded->stats = computeStats(*loaded->model);
    info.resetData(loaded);
    CHECK(valueOf(info, "operators") == "7");
    CHECK(valueOf(info, "CONV_2D") == "1");
    info.resetData(nullptr);
    CHECK(info.rowCount() == 0);
}

TEST_CASE("block table model of a blockwise int4 tensor", "[ui][models][int4]") {
    // weights [2, 64] int4, blocks of 32 with float16 scales {0.5, 0.25 | 0.125, 1}; every value 3
    // except the last of row 1 (-8).
    ModelBuilder b;
    std::vector<uint16_t> half;
    for (float s : {0.5f, 0.25f, 0.125f, 1.0f}) half.push_back(floatToHalf(s));
    std::vector<uint8_t> scaleBytes(8);
    std::memcpy(scaleBytes.data(), half.data(), 8);
    const TensorIndex scales = b.addConstantBytes("w_scales", TensorType::FLOAT16, {2, 2}, scaleBytes);
    std::vector<int8_t> q(128, 3);
    q.back() = -8;
    QuantParams wq;
    wq.blockwise = BlockwiseParams{scales, TensorIndex{}, 32};
    const TensorIndex w = b.addConstantBytes("w", TensorType::INT4, {2, 64}, packInt4(q), wq);
    const TensorIndex in = b.addTensor("x", TensorType::FLOAT32, {1, 64});
    const TensorIndex out = b.addTensor("y", TensorType::FLOAT32, {1, 2});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w}, {out});
    b.setInputs({in});
    b.setOutputs({out});
    const auto m = std::make_shared<const Model>(b.build());
    const auto snap = makeTensorSnapshot(m, SubgraphIndex{0}, w);
    REQUIRE(snap->hasValues);
    REQUIRE(snap->blocks);
    BlockTableModel blocks;
    QAbstractItemModelTester t(&blocks, QAbstractItemModelTester::FailureReportingMode::Fatal);
    blocks.resetData(snap);
    REQUIRE(blocks.rowCount() == 4);
    CHECK(blocks.index(1, BlockTableModel::ScaleColumn).data(BlockTableModel::ValueRole).toDouble() == 0.25);
    CHECK(blocks.index(2, BlockTableModel::RowColumn).data(BlockTableModel::ValueRole).toInt() == 1);
    CHECK(blocks.index(3, BlockTableModel::MinFloatColumn).data(BlockTableModel::ValueRole).toDouble() == -8.0); // 1 * (-8 - 0)
    CHECK(blocks.index(3, BlockTableModel::ObservedMinColumn).data(BlockTableModel::ValueRole).toDouble() == -8.0);
    CHECK(blocks.index(0, BlockTableModel::ObservedMaxColumn).data(BlockTableModel::ValueRole).toDouble() == 1.5); // 0.5 * 3
    // The properties name the scheme, not "not quantized".
    TensorModel props;
    QAbstractItemModelTester tp(&props, QAbstractItemModelTester::FailureReportingMode::Fatal);
    props.resetData(snap);
    CHECK(valueOf(props, "scheme") == "blockwise, 32 values per block");
    CHECK(valueOf(props, "blocks") == "2 rows x 2 blocks");
    CHECK(valueOf(props, "zero points") == "all 0");
    // The dequantized values use each block's scale.
    CHECK(snap->real[0] == 1.5);
    CHECK(snap->real[40] == 0.75);
    CHECK(snap->real[127] == -8.0);
    blocks.resetData(nullptr);
    CHECK(blocks.rowCount() == 0);
}
