#pragma once
// Registration functions of the elementwise family's files; elementwise.cpp calls them all.

namespace ql::rt {
class KernelRegistry;
}

namespace ql::rt::ew {

void registerArithmeticKernels(KernelRegistry& r); // ADD SUB MUL DIV SQUARED_DIFFERENCE MAXIMUM MINIMUM
void registerCompareKernels(KernelRegistry& r);    // EQUAL NOT_EQUAL LESS LESS_EQUAL GREATER GREATER_EQUAL LOGICAL_AND LOGICAL_OR
void registerMathKernels(KernelRegistry& r);       // FLOOR_DIV FLOOR_MOD POW ADD_N
void registerBitSignKernels(KernelRegistry& r);    // RIGHT_SHIFT BITWISE_XOR ATAN2 SIGN

} // namespace ql::rt::ew
