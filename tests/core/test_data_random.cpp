// core/data: random:N[:SEED] and the source factory's errors.
#include "data/DataSource.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace ql;
using namespace ql::data;

namespace {

ModelInputInfo twoInputs() {
    ModelInputInfo m;
    InputInfo f;
    f.name = "f";
    f.type = TensorType::FLOAT32;
    f.shape = {1, 64};
    InputInfo q;
    q.name = "q";
    q.type = TensorType::INT8;
    q.shape = {2, 512};
    q.quantized = true;
    q.scale = 0.1f;
    m.inputs = {f, q};
    m.metadataNormalization.resize(2);
    return m;
}

} // namespace

TEST_CASE("random:N[:SEED] is uniform, typed per input and reproducible", "[data][random]") {
    auto src = openDataSource("random:5:42", twoInputs());
    REQUIRE(src.ok());
    REQUIRE((*src)->size() == 5);
    auto a = (*src)->get(3);
    REQUIRE(a.ok());
    REQUIRE(a->tensors.size() == 2);
    const SampleTensor& f = a->tensors[0];
    CHECK(f.type == TensorType::FLOAT32);
    CHECK(f.shape == std::vector<int32_t>{1, 64});
    const float* v = f.as<float>();
    CHECK(*std::min_element(v, v + 64) >= -1.0f);
    CHECK(*std::max_element(v, v + 64) < 1.0f);
    CHECK(*std::min_element(v, v + 64) < -0.5f); // spread over the range
    CHECK(*std::max_element(v, v + 64) > 0.5f);
    // int8: the full range, whatever the quantization.
    const SampleTensor& q = a->tensors[1];
    CHECK(q.type == TensorType::INT8);
    REQUIRE(q.bytes.size() == 1024);
    std::set<int8_t> seen;
    for (uint8_t b : q.bytes) seen.insert(static_cast<int8_t>(b));
    CHECK(seen.count(-128) == 1);
    CHECK(seen.count(127) == 1);
    CHECK(seen.size() > 240);

    // Same seed and index, same data (in any order); another seed or index differs.
    auto again = openDataSource("random:5:42", twoInputs());
    REQUIRE(again.ok());
    auto b = (*again)->get(3);
    REQUIRE(b.ok());
    CHECK(b->tensors[0].bytes == f.bytes);
    CHECK((*src)->get(2)->tensors[0].bytes != f.bytes);
    auto other = openDataSource("random:5:43", twoInputs());
    CHECK((*other)->get(3)->tensors[0].bytes != f.bytes);

    DataOptions o;
    o.randomLo = 2.0f;
    o.randomHi = 3.0f;
    auto ranged = openDataSource("random:1", twoInputs(), o);
    REQUIRE(ranged.ok());
    auto r = (*ranged)->get(0);
    const float* rv = r->tensors[0].as<float>();
    CHECK(*std::min_element(rv, rv + 64) >= 2.0f);
    CHECK(*std::max_element(rv, rv + 64) < 3.0f);
}

TEST_CASE("bad data specs are errors", "[data][random][errors]") {
    for (const char* spec : {"random:", "random:0", "random:x", "random:3:", "random:3:-1", "random:3:4:5"}) {
        auto src = openDataSource(spec, twoInputs());
        INFO(spec);
        REQUIRE_FALSE(src.ok());
        CHECK_THAT(src.message(), Catch::Contains("random:N[:SEED]"));
    }
    auto unknown = openDataSource("/etc/hostname", twoInputs());
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.message(), Catch::Contains("unknown data format"));
    DataOptions o;
    o.stride = 0;
    CHECK_FALSE(openDataSource("random:3", twoInputs(), o).ok());
    o = {};
    o.maxSamples = 2;
    auto limited = openDataSource("random:10", twoInputs(), o);
    REQUIRE(limited.ok());
    CHECK((*limited)->size() == 2);
}
