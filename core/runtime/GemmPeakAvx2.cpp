// The AVX2 + FMA build of the GEMM peak (this file gets -mavx2 -mfma, core/CMakeLists.txt).
#define Eigen QlEigenPeakAvx2
#include "runtime/GemmPeak.h"
#include "runtime/GemmPeakImpl.h"

namespace ql::rt {
namespace {
double run(int n, int threads, int reps) {
    return detail::eigenGemmGflopsImpl(n, threads, reps);
}
} // namespace
double eigenGemmGflopsAvx2(int n, int threads, int reps) {
    return run(n, threads, reps);
}
} // namespace ql::rt
