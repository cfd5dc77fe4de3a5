// The convolution family: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and MediaPipe's custom
// Convolution2DTransposeBias. The kernels live in kernels/conv/.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/conv/Kernels.h"

namespace ql::rt {

void registerConvKernels(KernelRegistry& r) {
    r.add(BuiltinOp::CONV_2D, 1, 8, conv::makeConv2D);
    r.add(BuiltinOp::DEPTHWISE_CONV_2D, 1, 7, conv::makeDepthwiseConv2D);
    r.add(BuiltinOp::TRANSPOSE_CONV, 1, 5, conv::makeTransposeConv);
    r.add(BuiltinOp::CONV_3D, 1, 1, conv::makeConv3D);
    r.addCustom("Convolution2DTransposeBias", conv::makeTransposeConvBias);
}

} // namespace ql::rt
