// quantlab-cli ops: the operator list generated from the kernel registry, and the committed
// docs/operators.md, which must equal it.
#include "CliTest.h"

#include <catch2/catch.hpp>

using namespace ql::test;

TEST_CASE("ops lists the registered operators with their probed types", "[cli][ops]") {
    std::string out;
    REQUIRE(cli("ops", &out) == 0);
    CHECK(out.find("ADD  v1-") != std::string::npos);
    CHECK(out.find("custom TFLite_Detection_PostProcess") != std::string::npos);
    // ADD runs float32 and int8 (found by running the kernel).
    const auto add = out.substr(out.find("\nADD  v"), 80);
    CHECK(add.find("float32") != std::string::npos);
    CHECK(add.find("int8") != std::string::npos);
}

TEST_CASE("docs/operators.md is the generated operator list", "[cli][ops]") {
    std::string out;
    REQUIRE(cli("ops --markdown", &out) == 0);
    const std::string committed = readText(std::string(QUANTLAB_SOURCE_DIR) + "/docs/operators.md");
    INFO("regenerate with: quantlab-cli ops --markdown > docs/operators.md");
    CHECK(committed == out);
}
