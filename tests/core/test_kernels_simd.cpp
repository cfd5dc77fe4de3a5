// The vector paths of the element-wise integer kernels against their scalar references, bit
// for bit: 8-bit table lookups (Lut8Simd.h) and quantized ADD / SUB rows (QuantAddSimd.h, the
// reference arithmetic for int8 / uint8 / int16 and XNNPACK's int8 add) on random parameters
// and random shapes with odd extents and broadcasts; then whole ADD, RELU-family and
// LEAKY_RELU operators through the interpreter against the element functions.
#include "SingleOp.h"
#include "TestModels.h"
#include "model/ModelBuilder.h"
#include "quant/XnnpackArithmetic.h"
#include "runtime/kernels/SimdIsa.h"
#include "runtime/kernels/activation/Lut8Simd.h"
#include "runtime/kernels/elementwise/QuantAddSimd.h"

#include <catch2/catch.hpp>
#include <array>
#include <cmath>
#include <random>

using namespace ql;
using namespace ql::rt;
using ql::test::bytesOf;
using ql::test::qp;

namespace {

// The vector ISAs this CPU has (the scalar path is the reference, not listed).
std::vector<SimdIsa> vectorIsas() {
    std::vector<SimdIsa> out;
    for (SimdIsa i : {SimdIsa::Avx2, SimdIsa::Avx512, SimdIsa::Avx512Vbmi})
        if (simdSupported(i)) out.push_back(i);
    return out;
}

// A random broadcast pair: rank 1-4, extents from a list with odd ones, each dimension of
// either input randomly 1 (broadcast), and sometimes a lower-rank input.
struct ShapePair {
    std::vector<int32_t> a, b, out;
};
ShapePair randomShapes(std::mt19937& rng) {
    static const int32_t kExtents[] = {1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 64, 65};
    std::uniform_int_distribution<int> rank(1, 4), pick(0, int(std::size(kExtents)) - 1),
        coin(0, 3);
    ShapePair s;
    const int r = rank(rng);
    for (int d = 0; d < r; ++d) {
        const int32_t e = kExtents[pick(rng)];
        s.out.push_back(e);
        const int c = coin(rng);
        s.a.push_back(c == 1 ? 1 : e);
        s.b.push_back(c == 2 ? 1 : e);
    }
    if (coin(rng) == 0 && s.b.size() > 1) s.b.erase(s.b.begin()); // lower rank
    // Keep the element count moderate.
    int64_t n = 1;
    for (int32_t e : s.out)
        n *= e;
    if (n > 40000) return randomShapes(rng);
    return s;
}

int64_t countOf(const std::vector<int32_t>& shape) {
    int64_t n = 1;
    for (int32_t e : shape)
        n *= e;
    return n;
}

template <class T> std::vector<T> randomValues(std::mt19937& rng, int64_t n) {
    std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(),
                                         std::numeric_limits<T>::max());
    std::vector<T> v(static_cast<size_t>(n));
    for (T& x : v)
        x = static_cast<T>(d(rng));
    return v;
}

float randomScale(std::mt19937& rng) {
    return std::exp2(std::uniform_real_distribution<float>(-12.0f, 2.0f)(rng));
}

} // namespace

TEST_CASE("8-bit table lookup: the vector path equals the plain loop", "[kernels][simd]") {
    std::mt19937 rng(7);
    std::array<uint8_t, 256> table{};
    for (auto& t : table)
        t = uint8_t(rng());
    for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(65), size_t(127),
                     size_t(1000), size_t(4099)}) {
        std::vector<uint8_t> in(n), ref(n), out(n, 0xAA);
        for (auto& x : in)
            x = uint8_t(rng());
        act::applyLut8(table, in.data(), ref.data(), n, SimdIsa::Scalar);
        for (size_t i = 0; i < n; ++i)
            REQUIRE(ref[i] == table[in[i]]);
        for (SimdIsa isa : vectorIsas()) {
            std::fill(out.begin(), out.end(), 0xAA);
            act::applyLut8(table, in.data(), out.data(), n, isa);
            INFO("n " << n << " isa " << simdIsaName(isa));
            CHECK(out == ref);
        }
    }
    // Every byte value, also the high half (bit 7 picks the upper 128 entries).
    std::vector<uint8_t> all(256), ref(256), out(256);
    for (int i = 0; i < 256; ++i)
        all[size_t(i)] = uint8_t(255 - i);
    act::applyLut8(table, all.data(), ref.data(), 256, SimdIsa::Scalar);
    for (SimdIsa isa : vectorIsas()) {
        act::applyLut8(table, all.data(), out.data(), 256, isa);
        CHECK(out == ref);
    }
}

TEMPLATE_TEST_CASE("quantized ADD/SUB rows: vector paths equal addSubElement on random shapes",
                   "[kernels][simd]", int8_t, uint8_t, int16_t) {
    using T = TestType;
    const auto isas = vectorIsas();
    if (isas.empty()) WARN("SKIPPED: this CPU has no AVX2");
    std::mt19937 rng(11 + sizeof(T) + std::is_signed_v<T>);
    const bool is16 = sizeof(T) == 2;
    const TensorType type = is16                  ? TensorType::INT16
                            : std::is_signed_v<T> ? TensorType::INT8
                                                  : TensorType::UINT8;
    const Activation acts[] = {Activation::NONE, Activation::RELU, Activation::RELU6,
                               Activation::RELU_N1_TO_1};
    int compared = 0;
    for (int trial = 0; trial < 120; ++trial) {
        const ShapePair s = randomShapes(rng);
        std::uniform_int_distribution<int> zp(is16 ? 0 : std::numeric_limits<T>::min(),
                                              is16 ? 0 : std::numeric_limits<T>::max());
        const float s1 = randomScale(rng), s2 = randomScale(rng) * (trial % 3 == 0 ? 1.0f : 0.1f),
                    so = randomScale(rng);
        const int32_t z1 = zp(rng), z2 = zp(rng), zo = zp(rng);
        const bool subtract = trial % 2 == 1;
        auto range = activationRangeQuantized(acts[trial % 4], so, zo, type);
        if (range.first > range.second) range = quantizedRange(type);
        const auto p =
            ew::makeAddSubParams(s1, z1, s2, z2, so, zo, is16 ? 15 : 20, subtract, range);
        const auto a = randomValues<T>(rng, countOf(s.a)), b = randomValues<T>(rng, countOf(s.b));
        const BroadcastPlan plan = planBroadcast(s.a, s.b, s.out);
        std::vector<T> ref(size_t(countOf(s.out)));
        broadcastBinary(plan, a.data(), b.data(), ref.data(), [&](T x, T y) {
            return static_cast<T>(ew::addSubElement(p, x, y, Rounding::Double));
        });
        for (SimdIsa isa : isas) {
            if (!ew::addSubSimdUsable(p, Rounding::Double, isa)) continue;
            std::vector<T> out(ref.size(), T(7));
            ew::addSubBroadcastSimd(plan, p, a.data(), b.data(), out.data(), isa);
            INFO("trial " << trial << " isa " << simdIsaName(isa) << " out " << shapeString(s.out)
                          << " a " << shapeString(s.a) << " b " << shapeString(s.b));
            REQUIRE(out == ref);
            ++compared;
        }
        // The single-rounding build keeps the scalar path.
        CHECK_FALSE(ew::addSubSimdUsable(p, Rounding::Single, SimdIsa::Avx512));
    }
    if (simdSupported(SimdIsa::Avx512)) CHECK(compared >= 100);
}

TEST_CASE("XNNPACK int8 ADD rows: vector paths equal xnn::add on random shapes",
          "[kernels][simd]") {
    const auto isas = vectorIsas();
    if (isas.empty()) WARN("SKIPPED: this CPU has no AVX2");
    std::mt19937 rng(23);
    std::uniform_int_distribution<int> zp(-128, 127);
    int compared = 0;
    for (int trial = 0; trial < 150; ++trial) {
        const ShapePair s = randomShapes(rng);
        const float so = randomScale(rng);
        // Ratios s_in / s_out inside XNNPACK's accepted range [2^-10, 2^8).
        const float s1 = so * std::exp2(std::uniform_real_distribution<float>(-9.5f, 7.5f)(rng));
        const float s2 = so * std::exp2(std::uniform_real_distribution<float>(-9.5f, 7.5f)(rng));
        const int32_t zo = zp(rng);
        const auto [lo, hi] = xnn::activationRange(trial % 2 ? Activation::RELU : Activation::NONE,
                                                   so, zo, TensorType::INT8);
        xnn::AddParams p;
        REQUIRE(xnn::addParams(s1, zp(rng), s2, zp(rng), so, zo, lo, hi, p));
        const auto a = randomValues<int8_t>(rng, countOf(s.a)),
                   b = randomValues<int8_t>(rng, countOf(s.b));
        const BroadcastPlan plan = planBroadcast(s.a, s.b, s.out);
        std::vector<int8_t> ref(size_t(countOf(s.out)));
        broadcastBinary(plan, a.data(), b.data(), ref.data(),
                        [&](int8_t x, int8_t y) { return int8_t(xnn::add(x, y, p)); });
        for (SimdIsa isa : isas) {
            std::vector<int8_t> out(ref.size(), 7);
            ew::xnnAddBroadcastSimd(plan, p, a.data(), b.data(), out.data(), isa);
            INFO("trial " << trial << " isa " << simdIsaName(isa) << " out " << shapeString(s.out));
            REQUIRE(out == ref);
            ++compared;
        }
    }
    if (!isas.empty()) CHECK(compared >= 150);
}

TEST_CASE("int8 ADD operator with broadcast: the interpreter's result equals the element functions",
          "[kernels][simd]") {
    // [2,5,7,33] + [1,1,7,33] and [2,5,7,33] + [33]: rows of odd length with stride-0 inputs.
    std::mt19937 rng(5);
    for (const std::vector<int32_t>& bShape :
         {std::vector<int32_t>{1, 1, 7, 33}, std::vector<int32_t>{33},
          std::vector<int32_t>{2, 5, 7, 33}}) {
        const std::vector<int32_t> aShape = {2, 5, 7, 33};
        const QuantParams qa = qp(0.031f, 5), qb = qp(0.047f, -9), qo = qp(0.06f, -3);
        ModelBuilder mb;
        auto ta = mb.addTensor("a", TensorType::INT8, aShape, qa);
        auto tb = mb.addTensor("b", TensorType::INT8, bShape, qb);
        auto to = mb.addTensor("out", TensorType::INT8, aShape, qo);
        mb.addOperator(BuiltinOp::ADD, {ta, tb}, {to}, addOptions(Activation::RELU));
        mb.setInputs({ta, tb});
        mb.setOutputs({to});
        const Model model = mb.build();
        const auto a = randomValues<int8_t>(rng, countOf(aShape)),
                   b = randomValues<int8_t>(rng, countOf(bShape));
        const BroadcastPlan plan = planBroadcast(aShape, bShape, aShape);
        const auto range = activationRangeQuantized(Activation::RELU, 0.06f, -3, TensorType::INT8);
        for (Target target : {Target::TfliteReference, Target::TfliteCpu}) {
            RunOptions options;
            options.target = target;
            const auto r = test::runModel(model, {bytesOf(a), bytesOf(b)}, options);
            REQUIRE(r.ok());
            std::vector<int8_t> expected(size_t(countOf(aShape)));
            if (target == Target::TfliteReference) {
                const auto p =
                    ew::makeAddSubParams(0.031f, 5, 0.047f, -9, 0.06f, -3, 20, false, range);
                broadcastBinary(plan, a.data(), b.data(), expected.data(), [&](int8_t x, int8_t y) {
                    return int8_t(ew::addSubElement(p, x, y, Rounding::Double));
                });
            } else {
                const auto [lo, hi] =
                    xnn::activationRange(Activation::RELU, 0.06f, -3, TensorType::INT8);
                xnn::AddParams p;
                REQUIRE(xnn::addParams(0.031f, 5, 0.047f, -9, 0.06f, -3, lo, hi, p));
                broadcastBinary(plan, a.data(), b.data(), expected.data(),
                                [&](int8_t x, int8_t y) { return int8_t(xnn::add(x, y, p)); });
            }
            CHECK(r.output<int8_t>(0) == expected);
        }
    }
}

TEST_CASE("8-bit RELU family and LEAKY_RELU operators: every input value through the table",
          "[kernels][simd]") {
    for (TensorType type : {TensorType::INT8, TensorType::UINT8}) {
        const bool isSigned = type == TensorType::INT8;
        // Every value of the type, in an odd-length tensor (257: one value twice).
        std::vector<uint8_t> x(257);
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = uint8_t(i * 37 + 11);
        const float si = 0.05f, so = 0.04f;
        const int32_t zi = isSigned ? -7 : 121, zo = isSigned ? 3 : 130;
        const auto [qmin, qmax] = quantizedRange(type);
        const auto valueOf = [&](uint8_t byte) {
            return isSigned ? int32_t(int8_t(byte)) : int32_t(byte);
        };
        for (BuiltinOp op :
             {BuiltinOp::RELU, BuiltinOp::RELU6, BuiltinOp::RELU_N1_TO_1, BuiltinOp::LEAKY_RELU}) {
            ModelBuilder mb;
            auto in = mb.addTensor("x", type, {257}, qp(si, zi));
            auto out = mb.addTensor("y", type, {257}, qp(so, zo));
            tflite::BuiltinOptionsUnion options;
            const float alpha = 0.3f;
            if (op == BuiltinOp::LEAKY_RELU) {
                tflite::LeakyReluOptionsT o;
                o.alpha = alpha;
                options.Set(o);
            }
            mb.addOperator(op, {in}, {out}, options);
            mb.setInputs({in});
            mb.setOutputs({out});
            // tflite-reference: activations.cc's QuantizedReluX and QuantizeLeakyRelu, written
            // out below (tflite-cpu's LEAKY_RELU is XNNPACK's vlrelu, checked by its goldens).
            rt::RunOptions reference;
            reference.target = Target::TfliteReference;
            const auto r = test::runModel(mb.build(), {x}, reference);
            REQUIRE(r.ok());
            const auto y = r.output<uint8_t>(0);
            float lo = 0, hi = 6;
            if (op == BuiltinOp::RELU) hi = INFINITY;
            if (op == BuiltinOp::RELU_N1_TO_1) lo = -1, hi = 1;
            const int32_t clampLo = std::max(qmin, zo + int32_t(std::round(lo / so)));
            const int32_t clampHi =
                std::isinf(hi) ? qmax : std::min(qmax, zo + int32_t(std::round(hi / so)));
            const auto identity = quantizeMultiplier(double(si / so));
            const auto negative = quantizeMultiplier(double(si * alpha / so));
            for (size_t i = 0; i < x.size(); ++i) {
                const int32_t v = valueOf(x[i]) - zi;
                int32_t expected;
                if (op == BuiltinOp::LEAKY_RELU)
                    expected = std::clamp(
                        zo + multiplyByQuantizedMultiplier(v, v >= 0 ? identity : negative), qmin,
                        qmax);
                else
                    expected = std::clamp(zo + multiplyByQuantizedMultiplier(v, identity), clampLo,
                                          clampHi);
                INFO(opName(op) << " input " << valueOf(x[i]));
                REQUIRE(valueOf(y[i]) == expected);
            }
        }
    }
}

TEST_CASE("int16 RELU and RELU6 operators: the vector path equals the element formula", "[kernels][simd]") {
    std::mt19937 rng(16);
    const auto x = randomValues<int16_t>(rng, 1000 + 13); // odd length: a scalar tail
    for (BuiltinOp op : {BuiltinOp::RELU, BuiltinOp::RELU6}) {
        for (const auto& [si, so] : {std::pair{0.0003f, 0.0002f}, std::pair{0.0001f, 0.0004f}, std::pair{0.001f, 0.001f}}) {
            ModelBuilder mb;
            auto in = mb.addTensor("x", TensorType::INT16, {int32_t(x.size())}, qp(si, 0));
            auto out = mb.addTensor("y", TensorType::INT16, {int32_t(x.size())}, qp(so, 0));
            mb.addOperator(op, {in}, {out}, {});
            mb.setInputs({in});
            mb.setOutputs({out});
            const auto r = test::runModel(mb.build(), {bytesOf(x)});
            REQUIRE(r.ok());
            const auto y = r.output<int16_t>(0);
            const auto m = quantizeMultiplier(double(si / so));
            const int32_t hi = op == BuiltinOp::RELU ? 32767 : std::min(32767, int32_t(std::round(6.0f / so)));
            for (size_t i = 0; i < x.size(); ++i) {
                INFO(opName(op) << " input " << x[i]);
                REQUIRE(y[i] == std::clamp(multiplyByQuantizedMultiplier(int32_t(x[i]), m), 0, hi));
            }
        }
    }
}
