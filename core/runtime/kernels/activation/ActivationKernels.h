#pragma once
// Registration functions of the activation family's files; activation.cpp calls them all.

namespace ql::rt {
class KernelRegistry;
}

namespace ql::rt::act {

void registerReluKernels(KernelRegistry& r);    // RELU RELU6 RELU_N1_TO_1 RELU_0_TO_1 LEAKY_RELU PRELU
void registerUnaryKernels(KernelRegistry& r);   // EXP LOG SQRT RSQRT ABS NEG SQUARE SIN COS FLOOR CEIL ROUND
void registerSmoothKernels(KernelRegistry& r);  // LOGISTIC TANH ELU GELU HARD_SWISH
void registerSoftmaxKernels(KernelRegistry& r); // SOFTMAX LOG_SOFTMAX

} // namespace ql::rt::act
