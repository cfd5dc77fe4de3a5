#include "runtime/kernels/SimdIsa.h"

#include <initializer_list>

namespace ql::rt {

bool simdSupported(SimdIsa isa) {
    switch (isa) {
    case SimdIsa::Scalar:
        return true;
    case SimdIsa::Avx2:
        return __builtin_cpu_supports("avx2");
    case SimdIsa::Avx512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    case SimdIsa::Avx512Vbmi:
        return simdSupported(SimdIsa::Avx512) && __builtin_cpu_supports("avx512vbmi");
    }
    return false;
}

SimdIsa detectSimdIsa() {
    static const SimdIsa isa = [] {
        for (SimdIsa i : {SimdIsa::Avx512Vbmi, SimdIsa::Avx512, SimdIsa::Avx2})
            if (simdSupported(i)) return i;
        return SimdIsa::Scalar;
    }();
    return isa;
}

const char* simdIsaName(SimdIsa isa) {
    switch (isa) {
    case SimdIsa::Scalar:
        return "scalar";
    case SimdIsa::Avx2:
        return "avx2";
    case SimdIsa::Avx512:
        return "avx512";
    case SimdIsa::Avx512Vbmi:
        return "avx512-vbmi";
    }
    return "?";
}

} // namespace ql::rt
