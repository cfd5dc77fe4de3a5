// libFuzzer target for the model loader: any byte string must give a model or an error,
// never a crash, a hang or an unbounded allocation. Accepted models are also inspected,
// written back, prepared by the interpreter (kernels' prepare must refuse bad graphs) and
// run once on zero inputs (eval must stay inside what prepare accepted).
//
// Mutations are structure-aware (ModelMutator.h: fields of the unpacked flatbuffer) half of
// the time and libFuzzer's byte mutations otherwise, so that both the Verifier's side and the
// semantic validation behind it are explored. Seeds: make_fuzz_seeds (small models and the
// crafted hostile files of tests/support/HostileModels).
#include "ModelMutator.h"
#include "tflite/ModelJson.h"
#include "model/ModelStats.h"
#include "runtime/Interpreter.h"
#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"
#include "util/Limits.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t maxSize);

namespace {
// How many mutants came from each mutator, printed when the fuzzer exits (the closing figure
// of a long run: "structure-aware" counts mutants that were re-packed models).
struct MutationCounts {
    uint64_t structured = 0, bytes = 0;
    ~MutationCounts() {
        if (structured + bytes)
            std::fprintf(stderr, "mutations: %llu structure-aware, %llu byte-level\n",
                         static_cast<unsigned long long>(structured), static_cast<unsigned long long>(bytes));
    }
} g_counts;
} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize,
                                          unsigned int seed) {
    if (seed % 2 == 0)
        if (const size_t n = ql::fuzz::mutateModel(data, size, maxSize, seed / 2)) {
            ++g_counts.structured;
            return n;
        }
    ++g_counts.bytes;
    return LLVMFuzzerMutate(data, size, maxSize);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Keep the fuzzer's memory and time bounded: the limits are the same checks users get
    // with --max-memory, --max-while-iterations and --max-operator-work.
    ql::setMemoryLimitBytes(64u << 20);
    ql::setMaxWhileIterations(100);
    ql::setMaxOperatorWork(100'000'000);
    ql::ReadOptions options;
    options.maxTensorBytes = 16u << 20;
    auto model = ql::readModel(ql::MappedFile::fromBytes(std::vector<uint8_t>(data, data + size)),
                               "fuzz.tflite", options);
    if (!model) return 0;
    const ql::Model& m = **model;
    (void)ql::computeStats(m);
    (void)ql::modelToJson(m);
    (void)ql::decodeConversionMetadata(m);
    (void)ql::decodeModelMetadata(m);
    (void)ql::serializeModel(m);
    auto interp = ql::rt::Interpreter::create(model.value());
    if (interp) (void)(*interp)->invoke();
    return 0;
}
