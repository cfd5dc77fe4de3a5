#pragma once
// QL_VECTORIZE marks a hot loop function for the full auto-vectoriser. GCC 12 at -O2 vectorises
// only loops that need no scalar epilogue; the attribute asks for -O3 on that one function.
// Clang vectorises such loops at -O2 already and does not know the attribute, so it expands
// to nothing there.
#if defined(__GNUC__) && !defined(__clang__)
#define QL_VECTORIZE __attribute__((optimize("O3")))
#else
#define QL_VECTORIZE
#endif
