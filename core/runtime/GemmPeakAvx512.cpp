// The AVX-512 build of the GEMM peak (this file gets -mavx512f -mavx512bw -mavx512vl
// -mavx512dq -mfma, core/CMakeLists.txt): Eigen then uses 16-float packets.
#define Eigen QlEigenPeakAvx512
#include "runtime/GemmPeak.h"
#include "runtime/GemmPeakImpl.h"

namespace ql::rt {
namespace {
double run(int n, int threads, int reps) {
    return detail::eigenGemmGflopsImpl(n, threads, reps);
}
} // namespace
double eigenGemmGflopsAvx512(int n, int threads, int reps) {
    return run(n, threads, reps);
}
} // namespace ql::rt
