// Quantized PRELU: the AVX2 and AVX-512 rows (PreluSimd.h) against preluElement, TFLite's
// reference arithmetic, bit for bit, on random broadcast shapes with odd extents, random and
// extreme quantization parameters; then the whole operator through the interpreter (alpha
// per channel, as converters write it) against the element formula written out.
#include "SingleOp.h"
#include "TestModels.h"
#include "model/ModelBuilder.h"
#include "runtime/kernels/SimdIsa.h"
#include "runtime/kernels/activation/PreluSimd.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

using namespace ql;
using namespace ql::rt;
using ql::test::bytesOf;
using ql::test::qp;

namespace {

std::vector<SimdIsa> vectorIsas() {
    std::vector<SimdIsa> out;
    for (SimdIsa i : {SimdIsa::Avx2, SimdIsa::Avx512})
        if (simdSupported(i)) out.push_back(i);
    return out;
}

int64_t countOf(const std::vector<int32_t>& shape) {
    int64_t n = 1;
    for (int32_t e : shape)
        n *= e;
    return n;
}

// Input shape (rank 1-4, odd extents among them) and an alpha shape that broadcasts to it:
// each dimension kept or 1, sometimes of lower rank.
std::pair<std::vector<int32_t>, std::vector<int32_t>> randomShapes(std::mt19937& rng) {
    static const int32_t kExtents[] = {1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 64, 65};
    std::uniform_int_distribution<int> rank(1, 4), pick(0, int(std::size(kExtents)) - 1),
        coin(0, 2);
    std::vector<int32_t> in, alpha;
    const int r = rank(rng);
    for (int d = 0; d < r; ++d) {
        const int32_t e = kExtents[pick(rng)];
        in.push_back(e);
        alpha.push_back(coin(rng) == 0 ? 1 : e);
    }
    while (alpha.size() > 1 && coin(rng) == 0)
        alpha.erase(alpha.begin());
    if (countOf(in) > 40000) return randomShapes(rng);
    return {in, alpha};
}

template <class T> std::vector<T> randomValues(std::mt19937& rng, int64_t n) {
    std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(),
                                         std::numeric_limits<T>::max());
    std::vector<T> v(static_cast<size_t>(n));
    for (T& x : v)
        x = static_cast<T>(d(rng));
    return v;
}

} // namespace

TEMPLATE_TEST_CASE("quantized PRELU rows: the vector paths equal preluElement on random shapes",
                   "[kernels][simd][prelu]", int8_t, uint8_t) {
    using T = TestType;
    const auto isas = vectorIsas();
    if (isas.empty()) WARN("SKIPPED: this CPU has no AVX2");
    std::mt19937 rng(31 + std::is_signed_v<T>);
    std::uniform_int_distribution<int> zp(std::numeric_limits<T>::min(),
                                          std::numeric_limits<T>::max());
    std::uniform_real_distribution<float> logScale(-14.0f, 6.0f);
    int compared = 0;
    for (int trial = 0; trial < 200; ++trial) {
        const auto [inShape, alphaShape] = randomShapes(rng);
        act::PreluParams p;
        // Extreme zero points every few trials (the offsets reach +-255 and the product 255^2).
        const bool extreme = trial % 5 == 0;
        const int32_t zi = extreme ? std::numeric_limits<T>::max() : zp(rng);
        const int32_t za = extreme ? std::numeric_limits<T>::min() : zp(rng);
        const float si = std::exp2(logScale(rng)), sa = std::exp2(logScale(rng)),
                    so = std::exp2(logScale(rng));
        p.inputOffset = -zi;
        p.alphaOffset = -za;
        p.outputOffset = zp(rng);
        p.positive = quantizeMultiplier(double(si / so));
        p.negative = quantizeMultiplier(double(si * sa / so));
        std::tie(p.qmin, p.qmax) = std::pair<int32_t, int32_t>(std::numeric_limits<T>::min(),
                                                               std::numeric_limits<T>::max());
        if (trial % 7 == 3)
            p.qmin = std::max<int32_t>(p.qmin, p.outputOffset); // a clamp inside the type
        const auto in = randomValues<T>(rng, countOf(inShape));
        const auto alpha = randomValues<T>(rng, countOf(alphaShape));
        const BroadcastPlan plan = planBroadcast(inShape, alphaShape, inShape);
        std::vector<T> ref(in.size());
        broadcastBinary(plan, in.data(), alpha.data(), ref.data(), [&](T x, T a) {
            return static_cast<T>(act::preluElement(p, x, a, Rounding::Double));
        });
        CHECK_FALSE(act::preluSimdUsable(p, Rounding::Single, SimdIsa::Avx2));
        CHECK_FALSE(act::preluSimdUsable(p, Rounding::Double, SimdIsa::Scalar));
        for (SimdIsa isa : isas) {
            if (!act::preluSimdUsable(p, Rounding::Double, isa)) continue;
            std::vector<T> out(ref.size(), T(7));
            act::preluBroadcastSimd(plan, p, in.data(), alpha.data(), out.data(), isa);
            INFO("trial " << trial << " isa " << simdIsaName(isa) << " in " << shapeString(inShape)
                          << " alpha " << shapeString(alphaShape) << " shifts " << p.positive.shift
                          << " " << p.negative.shift);
            REQUIRE(out == ref);
            ++compared;
        }
    }
    if (!isas.empty()) CHECK(compared >= 150 * int(isas.size()));
}

TEST_CASE(
    "quantized PRELU rows: multipliers the vector requantization cannot take keep the scalar path",
    "[kernels][simd][prelu]") {
    act::PreluParams p;
    p.positive = quantizeMultiplier(0.5);
    p.negative =
        QuantizedMultiplier{0x40000000, -39}; // 2^-40: a right shift beyond the vector's range
    CHECK_FALSE(act::preluSimdUsable(p, Rounding::Double, SimdIsa::Avx512));
    p.negative = QuantizedMultiplier{0x40000000, 36}; // 2^35: a left shift beyond it
    CHECK_FALSE(act::preluSimdUsable(p, Rounding::Double, SimdIsa::Avx2));
    p.negative = quantizeMultiplier(0.01);
    CHECK(act::preluSimdUsable(p, Rounding::Double, SimdIsa::Avx2) == simdSupported(SimdIsa::Avx2));
}

TEST_CASE("int8 and uint8 PRELU operators with a per-channel alpha equal the element formula",
          "[kernels][prelu]") {
    std::mt19937 rng(77);
    for (TensorType type : {TensorType::INT8, TensorType::UINT8}) {
        const bool isSigned = type == TensorType::INT8;
        // [1, 9, 7, 35] with alpha [1, 1, 35]: rows of 35 channels, a scalar tail in every row.
        const std::vector<int32_t> shape = {1, 9, 7, 35}, alphaShape = {1, 1, 35};
        const float si = 0.047f, sa = 0.0039f, so = 0.031f;
        const int32_t zi = isSigned ? -11 : 117, za = isSigned ? -128 : 0, zo = isSigned ? 6 : 140;
        ModelBuilder mb;
        auto tin = mb.addTensor("x", type, shape, qp(si, zi));
        std::vector<uint8_t> alphaBytes(35);
        for (auto& b : alphaBytes)
            b = uint8_t(rng());
        auto ta = mb.addConstant("alpha", type, alphaShape, alphaBytes, qp(sa, za));
        auto tout = mb.addTensor("y", type, shape, qp(so, zo));
        mb.addOperator(BuiltinOp::PRELU, {tin, ta}, {tout}, {});
        mb.setInputs({tin});
        mb.setOutputs({tout});
        const Model model = mb.build();
        std::vector<uint8_t> x(size_t(countOf(shape)));
        for (auto& b : x)
            b = uint8_t(rng());
        const auto valueOf = [&](uint8_t byte) {
            return isSigned ? int32_t(int8_t(byte)) : int32_t(byte);
        };
        const auto [qmin, qmax] = quantizedRange(type);
        const auto m1 = quantizeMultiplier(double(si / so)),
                   m2 = quantizeMultiplier(double(si * sa / so));
        for (Target target : {Target::TfliteReference, Target::TfliteCpu}) {
            RunOptions options;
            options.target = target;
            const auto r = test::runModel(model, {x}, options);
            INFO(r.error);
            REQUIRE(r.ok());
            const auto y = r.output<uint8_t>(0);
            for (size_t i = 0; i < x.size(); ++i) {
                const int32_t v = valueOf(x[i]) - zi, a = valueOf(alphaBytes[i % 35]) - za;
                const int32_t expected =
                    std::clamp(zo + (v >= 0 ? multiplyByQuantizedMultiplier(v, m1)
                                            : multiplyByQuantizedMultiplier(v * a, m2)),
                               qmin, qmax);
                INFO(typeName(type) << " element " << i << " input " << valueOf(x[i]));
                REQUIRE(valueOf(y[i]) == expected);
            }
        }
    }
}
