#pragma once
// One registration function per kernel family (one family per file or folder under kernels/).
// KernelRegistry::builtin() calls them all.

namespace ql::rt {

class KernelRegistry;

void registerElementwiseKernels(KernelRegistry& r);   // ADD SUB MUL DIV SQUARED_DIFFERENCE MAXIMUM MINIMUM ...
void registerActivationKernels(KernelRegistry& r);    // RELU ... SOFTMAX LOG_SOFTMAX, unary math
void registerQuantizeKernels(KernelRegistry& r);      // QUANTIZE DEQUANTIZE CAST DENSIFY
void registerConvKernels(KernelRegistry& r);          // CONV_2D DEPTHWISE_CONV_2D TRANSPOSE_CONV CONV_3D, Convolution2DTransposeBias
void registerMatmulKernels(KernelRegistry& r);        // FULLY_CONNECTED BATCH_MATMUL
void registerSequenceKernels(KernelRegistry& r);      // UNIDIRECTIONAL_SEQUENCE_LSTM SVDF
void registerPoolReduceKernels(KernelRegistry& r);    // pooling, L2_NORMALIZATION, MEAN SUM REDUCE_MAX
void registerShapeKernels(KernelRegistry& r);         // RESHAPE ... GATHER SELECT ARG_MAX TOPK_V2 NMS SCATTER_ND, resize, pad
void registerControlFlowKernels(KernelRegistry& r);   // WHILE IF CALL_ONCE VAR_HANDLE ASSIGN_VARIABLE READ_VARIABLE
void registerSignalKernels(KernelRegistry& r);        // RFFT2D COMPLEX_ABS REAL IMAG
void registerCustomKernels(KernelRegistry& r);        // TFLite_Detection_PostProcess AudioSpectrogram Mfcc, MediaPipe's

} // namespace ql::rt
