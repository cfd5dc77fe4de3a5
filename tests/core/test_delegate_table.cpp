// The delegate table behind the lab wizard's model facts (core/quantize/ModelFacts.cpp): facts
// read from each delegate's source, including the ones the first, remembered table got wrong.
#include <catch2/catch.hpp>

#include "quantize/ModelFacts.h"

using namespace ql;
using namespace ql::quantize;

namespace {
bool on(BuiltinOp op, unsigned delegate) { return (delegateSupport(op) & delegate) != 0; }
} // namespace

TEST_CASE("delegate table: XNNPACK as in xnnpack_delegate.cc's VisitNode", "[decision][delegates]") {
    for (BuiltinOp op : {BuiltinOp::CONV_2D, BuiltinOp::DEPTHWISE_CONV_2D, BuiltinOp::FULLY_CONNECTED, BuiltinOp::BATCH_MATMUL,
                         BuiltinOp::EXPAND_DIMS, BuiltinOp::SUM, BuiltinOp::REDUCE_MIN, BuiltinOp::NEG, BuiltinOp::COS,
                         BuiltinOp::QUANTIZE, BuiltinOp::DEQUANTIZE}) {
        INFO(opName(op));
        CHECK(on(op, kDelegateXnnpack));
    }
    CHECK_FALSE(on(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, kDelegateXnnpack)); // no case in VisitNode
    CHECK_FALSE(on(BuiltinOp::LSTM, kDelegateXnnpack));
}

TEST_CASE("delegate table: GPU as in model_builder.cc's NewOperationParser", "[decision][delegates]") {
    for (BuiltinOp op : {BuiltinOp::DIV, BuiltinOp::TRANSPOSE, BuiltinOp::RESIZE_NEAREST_NEIGHBOR, BuiltinOp::LSTM,
                         BuiltinOp::MIRROR_PAD, BuiltinOp::SQUARED_DIFFERENCE, BuiltinOp::DEQUANTIZE}) {
        INFO(opName(op));
        CHECK(on(op, kDelegateGpu));
    }
}

TEST_CASE("delegate table: Hexagon as in utils.cc's IsNodeSupportedByHexagon", "[decision][delegates]") {
    for (BuiltinOp op : {BuiltinOp::ARG_MAX, BuiltinOp::MIRROR_PAD, BuiltinOp::RSQRT, BuiltinOp::SQUARED_DIFFERENCE,
                         BuiltinOp::PACK, BuiltinOp::DEPTH_TO_SPACE}) {
        INFO(opName(op));
        CHECK(on(op, kDelegateHexagon));
    }
    CHECK_FALSE(on(BuiltinOp::SUM, kDelegateHexagon));        // listed, but the switch returns false
    CHECK_FALSE(on(BuiltinOp::DEQUANTIZE, kDelegateHexagon)); // not in the switch
}

TEST_CASE("delegate table: NNAPI as in nnapi_delegate.cc's Validate", "[decision][delegates]") {
    for (BuiltinOp op : {BuiltinOp::CONV_2D, BuiltinOp::L2_POOL_2D, BuiltinOp::GATHER, BuiltinOp::SQUEEZE,
                         BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, BuiltinOp::QUANTIZE}) {
        INFO(opName(op));
        CHECK(on(op, kDelegateNnapi));
    }
    CHECK(delegateNames(kDelegateNnapi) == "NNAPI");
    CHECK(delegateNames(kDelegateXnnpack | kDelegateNnapi) == "XNNPACK, NNAPI");
}

TEST_CASE("delegate table: the Edge TPU runs no DEQUANTIZE", "[decision][delegates]") {
    CHECK_FALSE(on(BuiltinOp::DEQUANTIZE, kDelegateEdgeTpu));
    CHECK(on(BuiltinOp::CONV_2D, kDelegateEdgeTpu));
    CHECK(on(BuiltinOp::L2_NORMALIZATION, kDelegateEdgeTpu));
    CHECK_FALSE(on(BuiltinOp::CUSTOM, kDelegateEdgeTpu));
}
