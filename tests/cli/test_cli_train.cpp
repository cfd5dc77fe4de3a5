// quantlab-cli train-fashion-mnist: one-line exit-2 errors for bad flags and a missing data
// set; a short run (a few batches) prints its epoch line and writes a model that loads with
// labels and a signature.
#include "CliTest.h"
#include "TestSupport.h"

#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace ql;
using namespace ql::test;

namespace {

void checkUsageError(const std::string& args, const std::string& mention) {
    std::string out;
    INFO("quantlab-cli " << args << "\n" << out);
    CHECK(cli(args, &out) == 2);
    CHECK(lineCount(out) == 1);
    CHECK_THAT(out, Catch::StartsWith("quantlab-cli: error: "));
    CHECK_THAT(out, Catch::Contains(mention));
}

} // namespace

TEST_CASE("train-fashion-mnist rejects bad flags and a missing data set with one line", "[cli][train]") {
    TempDir dir;
    const std::string out = shellQuote(dir.file("m.tflite"));
    checkUsageError("train-fashion-mnist", "--out");
    checkUsageError("train-fashion-mnist --epochs 0 --out " + out, "--epochs");
    checkUsageError("train-fashion-mnist --epochs many --out " + out, "--epochs");
    checkUsageError("train-fashion-mnist --seed -3 --out " + out, "--seed");
    checkUsageError("train-fashion-mnist --batch 1 --out " + out, "--batch");
    checkUsageError("train-fashion-mnist --bogus --out " + out, "--bogus");
    checkUsageError("train-fashion-mnist extra --out " + out, "extra");
    checkUsageError("train-fashion-mnist --data " + shellQuote(dir.file("nowhere")) + " --out " + out, "nowhere");
    // A data folder without the IDX files names the missing file.
    checkUsageError("train-fashion-mnist --data " + shellQuote(dir.path().string()) + " --out " + out, "train-images-idx3-ubyte.gz");
    checkUsageError("train-fashion-mnist --out " + shellQuote(dir.path().string()), "directory");
    CHECK_FALSE(std::filesystem::exists(dir.file("m.tflite")));
}

TEST_CASE("train-fashion-mnist writes a labelled model after a short run", "[cli][train]") {
    if (!std::filesystem::is_directory("/usr/share/datasets/fashion-mnist")) {
        WARN("skipped: /usr/share/datasets/fashion-mnist is absent (Debian package dataset-fashion-mnist)");
        return;
    }
    TempDir dir;
    const std::string path = dir.file("short.tflite");
    std::string out;
    REQUIRE(cli("train-fashion-mnist --epochs 1 --steps 30 --seed 5 --out " + shellQuote(path), &out) == 0);
    INFO(out);
    CHECK_THAT(out, Catch::Contains("epoch"));
    CHECK_THAT(out, Catch::Contains("test-acc"));
    CHECK_THAT(out, Catch::Contains("wrote"));
    auto m = readModelFile(path);
    REQUIRE(m.ok());
    CHECK(modelLabels(*m.value()).size() == 10);
    REQUIRE(m.value()->signatures.size() == 1);
    CHECK(m.value()->signatures[0].key == "serving_default");
    // The same seed writes the same bytes.
    const std::string again = dir.file("again.tflite");
    REQUIRE(cli("train-fashion-mnist --epochs 1 --steps 30 --seed 5 --threads 1 --out " + shellQuote(again), &out) == 0);
    CHECK(readBytes(path) == readBytes(again));
}
