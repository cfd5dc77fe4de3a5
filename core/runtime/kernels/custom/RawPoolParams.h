#pragma once
// MediaPipe's pooling custom operators (MaxPoolingWithArgmax2D, MaxUnpooling2D) store their
// options not as a flexbuffer but as the raw bytes of TFLite's C struct TfLitePoolParams
// (mediapipe/util/tflite/operations/max_pool_argmax.cc reads node->custom_initial_data as
// one): int32 padding (1 SAME, 2 VALID), stride_width, stride_height, filter_width,
// filter_height, activation (TfLiteFusedActivation, the schema's numbering), then TFLite's
// computed padding, which the kernels recompute and ignore.

#include "runtime/Kernel.h"

namespace ql::rt::custom {

struct RawPoolParams {
    Padding padding = Padding::SAME;
    int strideW = 1, strideH = 1, filterW = 1, filterH = 1;
    Activation activation = Activation::NONE;
};

// Reads and validates the struct: padding 1 or 2, strides and filter sizes from 1 to 4096,
// an activation of NONE, RELU, RELU_N1_TO_1 or RELU6.
Result<RawPoolParams> readRawPoolParams(const KernelContext& ctx);

} // namespace ql::rt::custom
