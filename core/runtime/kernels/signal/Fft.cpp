#include "runtime/kernels/signal/Fft.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace ql::rt::signal {

int nextPowerOfTwo(int n) {
    int p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

Fft::Fft(int n)
    : m_n(n), m_twiddle(size_t(std::max(n / 2, 1))), m_bitReverse(size_t(n)), m_work(size_t(n)) {
    const double pi = std::atan(1.0) * 4.0;
    for (int k = 0; k < n / 2; ++k)
        m_twiddle[size_t(k)] = std::polar(1.0, -2.0 * pi * k / n);
    int bits = 0;
    while ((1 << bits) < n)
        ++bits;
    for (int i = 0; i < n; ++i) {
        int r = 0;
        for (int b = 0; b < bits; ++b)
            r |= ((i >> b) & 1) << (bits - 1 - b);
        m_bitReverse[size_t(i)] = r;
    }
}

// Iterative decimation in time: bit-reversed order, then log2(n) butterfly passes.
void Fft::forward(std::complex<double>* data) const {
    const int n = m_n;
    for (int i = 0; i < n; ++i) {
        const int r = m_bitReverse[size_t(i)];
        if (r > i) std::swap(data[i], data[r]);
    }
    for (int len = 2; len <= n; len <<= 1) {
        const int half = len / 2, step = n / len;
        for (int start = 0; start < n; start += len)
            for (int k = 0; k < half; ++k) {
                const std::complex<double> t = m_twiddle[size_t(k * step)] * data[start + k + half];
                const std::complex<double> u = data[start + k];
                data[start + k] = u + t;
                data[start + k + half] = u - t;
            }
    }
}

void Fft::forwardReal(const double* in, std::complex<double>* out) {
    for (int i = 0; i < m_n; ++i)
        m_work[size_t(i)] = {in[i], 0.0};
    forward(m_work.data());
    for (int k = 0; k <= m_n / 2; ++k)
        out[k] = m_work[size_t(k)];
}

} // namespace ql::rt::signal
