#pragma once
// Fast Fourier transforms in double for the signal operators (RFFT2D; AudioSpectrogram).
// TFLite computes these with Ooura's fft2d (rdft, rdft2d) in double; this radix-2
// Cooley-Tukey transform computes the same sums, X[k] = sum_j x[j] exp(-2 pi i j k / n), with
// other rounding (relative differences near 1e-15, far below float resolution).

#include <complex>
#include <vector>

namespace ql::rt::signal {

class Fft {
public:
    // n: a power of two >= 1.
    explicit Fft(int n);
    int size() const { return m_n; }
    // In place, forward (exp(-2 pi i j k / n)), n values.
    void forward(std::complex<double>* data) const;
    // `in` holds n real samples; `out` gets bins 0..n/2 (n/2 + 1 values).
    void forwardReal(const double* in, std::complex<double>* out);

private:
    int m_n;
    std::vector<std::complex<double>> m_twiddle; // exp(-2 pi i k / n), k < n/2
    std::vector<int> m_bitReverse;
    std::vector<std::complex<double>> m_work;
};

// The smallest power of two >= n (n >= 1).
int nextPowerOfTwo(int n);
inline bool isPowerOfTwo(int n) {
    return n > 0 && (n & (n - 1)) == 0;
}

} // namespace ql::rt::signal
