#include "runtime/kernels/elementwise/Arithmetic.h"

namespace ql::rt::ew {

AddSubParams makeAddSubParams(float s1, int32_t z1, float s2, int32_t z2, float sOut, int32_t zOut, int leftShift,
                              bool subtract, std::pair<int32_t, int32_t> activation) {
    AddSubParams p;
    p.input1Offset = -z1;
    p.input2Offset = -z2;
    p.outputOffset = zOut;
    p.leftShift = leftShift;
    p.subtract = subtract;
    // As add.cc: `2 * std::max(float, float)` is a float (exact), the ratios are doubles.
    const double twiceMaxInputScale = 2 * std::max(s1, s2);
    p.input1 = quantizeMultiplier(double(s1) / twiceMaxInputScale);
    p.input2 = quantizeMultiplier(double(s2) / twiceMaxInputScale);
    p.output = quantizeMultiplier(twiceMaxInputScale / (double(float(1 << leftShift) * sOut)));
    p.actMin = activation.first;
    p.actMax = activation.second;
    return p;
}

SquaredDiffParams makeSquaredDiffParams(float s1, int32_t z1, float s2, int32_t z2, float sOut, int32_t zOut) {
    SquaredDiffParams p;
    p.input1Offset = -z1;
    p.input2Offset = -z2;
    p.outputOffset = zOut;
    const double twiceMax = 2 * std::max(s1, s2);
    p.input1 = quantizeMultiplier(double(s1) / twiceMax);
    p.input2 = quantizeMultiplier(double(s2) / twiceMax);
    p.output = quantizeMultiplier((twiceMax * twiceMax) / (double(float(1 << (p.leftShift * 2)) * sOut)));
    return p;
}

} // namespace ql::rt::ew
