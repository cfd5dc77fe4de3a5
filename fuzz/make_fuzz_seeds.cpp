// Writes the seed corpus for fuzz_loader: the test suite's small built models and the crafted
// hostile files of tests/support/HostileModels (each one of a TFLite advisory class).
#include "HostileModels.h"
#include "TestModels.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
        return 2;
    }
    std::filesystem::create_directories(argv[1]);
    const std::pair<const char*, ql::Model> models[] = {
        {"cnn.tflite", ql::test::makeSmallCnn()},
        {"fc_float.tflite", ql::test::makeFloatFullyConnected()},
        {"fc_int8.tflite", ql::test::makeInt8FullyConnected()},
    };
    for (const auto& [name, model] : models) {
        const auto bytes = ql::test::serialize(model);
        std::ofstream out(std::filesystem::path(argv[1]) / name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    ql::test::writeHostileModels(argv[1]);
    return 0;
}
