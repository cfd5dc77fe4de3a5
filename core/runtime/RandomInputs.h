#pragma once
// Seeded random inputs, bit-identical to the TFLite oracle's `--random SEED`
// (shared/tools/tflite-oracle/oracle.js, makeRng + fillRandom): one splitmix32-style stream per
// seed fills the inputs in order, element by element, so `quantlab-cli run --random 7` and
// `node oracle.js --random 7` feed the same bytes.
//
// Value mapping per dtype (u = next() / 2^32, computed in double):
//   float32, float64       lo + (hi - lo) * u, [lo, hi) = [-1, 1) by default (float32 rounds
//                          to nearest when stored, like a Float32Array)
//   int8 uint8 int16 uint16 bool   lo + floor(u * (hi - lo + 1)) over the whole range of the type
//   int32 with quantization the whole int32 range
//   other int32, uint32, int64     [0, 100] by default (the oracle's --int-range)

#include "model/TensorTypes.h"
#include "util/Result.h"

#include <cstdint>
#include <span>

namespace ql::rt {

class OracleRng {
public:
    explicit OracleRng(uint32_t seed) : m_state(seed) {}
    uint32_t next() {
        m_state += 0x9e3779b9u;
        uint32_t z = m_state;
        z = (z ^ (z >> 16)) * 0x85ebca6bu;
        z = (z ^ (z >> 13)) * 0xc2b2ae35u;
        return z ^ (z >> 16);
    }

private:
    uint32_t m_state;
};

struct RandomRanges {
    double floatLo = -1.0, floatHi = 1.0;
    double intLo = 0.0, intHi = 100.0;
};

// Fills `bytes` (elements of `type`) from the stream. `quantized`: the tensor has scale(s).
// Fails for types the oracle cannot feed (strings, complex, ...).
Status fillRandom(std::span<uint8_t> bytes, TensorType type, bool quantized, OracleRng& rng, const RandomRanges& ranges = {});

} // namespace ql::rt
