#pragma once
// Crafted hostile .tflite files, one or more per class of TFLite security advisory (shape
// overflows, out-of-range indices, a tensor that is its own operator's input, huge
// paddings/blocks/dilations, sparse buffers shorter than their shape, control flow that never
// ends). Each is built with the project's own builder and writer, which write whatever they
// are given: the files are as an attacker would make them.
//
// Every case must be refused with exit 2 (a clear message naming the operator as numbered in
// the file, the tensor and the value), never crash, hang or silently succeed.

#include "model/Model.h"

#include <string>
#include <vector>

namespace ql::test {

struct HostileCase {
    std::string name;           // file stem, e.g. "tile-output-overflow"
    std::vector<uint8_t> bytes; // the .tflite file
    // Words the refusal must contain (each, case-sensitive), e.g. {"operator 0", "TILE"}.
    std::vector<std::string> expect;
    // False for files that load and run (e.g. non-finite weights) and are refused only when
    // quantized.
    bool refusedBeforeQuantize = true;
};

// All crafted files.
std::vector<HostileCase> hostileModels();
// The int4 and blockwise ones (HostileLowBitModels.cpp), part of hostileModels().
void addLowBitCases(std::vector<HostileCase>& cases);

// Writes every case to DIR/<name>.tflite (for the fuzzer's seed corpus and the CLI tests).
void writeHostileModels(const std::string& dir);

} // namespace ql::test
