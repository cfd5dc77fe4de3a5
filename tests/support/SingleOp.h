#pragma once
// Runs a small model (usually one operator built with ModelBuilder) the way a user's file is
// run: serialize -> readModel -> Interpreter -> set inputs -> invoke -> outputs. Kernel tests
// use it for hand-checked values, oracle goldens and "fails at prepare" cases.

#include "model/Model.h"
#include "runtime/Kernel.h"

#include <cstring>
#include <string>
#include <vector>

namespace ql::test {

struct OpRun {
    std::string error; // empty when the model prepared and ran
    std::vector<std::vector<uint8_t>> outputs;
    std::vector<std::vector<int32_t>> shapes;

    bool ok() const { return error.empty(); }
    template <class T> std::vector<T> output(size_t i) const {
        std::vector<T> v(outputs.at(i).size() / sizeof(T));
        if (!v.empty()) std::memcpy(v.data(), outputs[i].data(), v.size() * sizeof(T));
        return v;
    }
};

template <class T> std::vector<uint8_t> bytesOf(const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
    return b;
}

// Inputs are the raw bytes of subgraph 0's inputs, in order. `invocations` > 1 runs the model
// several times on the same inputs (stateful operators) and returns the last outputs.
OpRun runModel(const Model& model, const std::vector<std::vector<uint8_t>>& inputs, rt::RunOptions options = {},
               int invocations = 1);
// The prepare error of a model, or "" if it prepares.
std::string prepareError(const Model& model);

// A numpy .npy array (format 1.0/2.0, little-endian, C order) as written by the oracle.
struct NpyArray {
    std::string dtype; // numpy descr, e.g. "<f4", "|i1", "<i2"
    std::vector<int32_t> shape;
    std::vector<uint8_t> data;
    template <class T> std::vector<T> as() const {
        std::vector<T> v(data.size() / sizeof(T));
        if (!v.empty()) std::memcpy(v.data(), data.data(), v.size() * sizeof(T));
        return v;
    }
};
// Empty dtype when the file is missing or malformed.
NpyArray readNpy(const std::string& path);

// QuantLab's outputs against goldens: runs MODEL on DIR/input_<i>.npy and compares every
// output with DIR/output_<i>.npy (as written by the oracle's --out DIR).
struct GoldenComparison {
    std::string error;       // empty when the model ran and the shapes and dtypes matched
    bool isFloat = false;
    size_t elements = 0;
    size_t differing = 0;    // integers: elements that differ at all
    size_t beyondOneLsb = 0; // integers: elements that differ by more than 1
    double maxAbsDiff = 0;   // floats and integers
    double maxAbsRef = 0;    // largest |golden| (floats), for the relative criterion
    double relativeError() const { return maxAbsRef > 0 ? maxAbsDiff / maxAbsRef : maxAbsDiff; }
};
// `options` selects e.g. the target (RunOptions::target; default tflite-cpu).
GoldenComparison compareWithGoldens(const std::string& modelPath, const std::string& dir, int invocations = 1,
                                    rt::RunOptions options = {});

} // namespace ql::test
