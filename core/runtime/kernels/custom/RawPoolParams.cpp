#include "runtime/kernels/custom/RawPoolParams.h"

#include <cstring>

namespace ql::rt::custom {

Result<RawPoolParams> readRawPoolParams(const KernelContext& ctx) {
    const std::vector<uint8_t>& raw = ctx.op().customOptions;
    constexpr size_t kFields = 6;
    if (raw.size() < kFields * 4)
        return ctx.error("custom options hold " + std::to_string(raw.size()) +
                         " bytes, expected at least 24 (TfLitePoolParams: padding, stride_width, "
                         "stride_height, filter_width, "
                         "filter_height, activation)");
    int32_t v[kFields];
    std::memcpy(v, raw.data(), sizeof v);
    RawPoolParams p;
    if (v[0] != 1 && v[0] != 2)
        return ctx.error("custom options give padding " + std::to_string(v[0]) +
                         ", expected 1 (SAME) or 2 (VALID)");
    p.padding = v[0] == 1 ? Padding::SAME : Padding::VALID;
    const char* names[] = {"stride_width", "stride_height", "filter_width", "filter_height"};
    for (int i = 1; i <= 4; ++i)
        if (v[i] < 1 || v[i] > 4096)
            return ctx.error("custom options give " + std::string(names[i - 1]) + " " +
                             std::to_string(v[i]) + ", expected 1 to 4096");
    p.strideW = v[1], p.strideH = v[2], p.filterW = v[3], p.filterH = v[4];
    if (v[5] < 0 || v[5] > 3)
        return ctx.error("custom options give activation " + std::to_string(v[5]) +
                         ", expected 0 (NONE) to 3 (RELU6)");
    p.activation = static_cast<Activation>(v[5]);
    return p;
}

} // namespace ql::rt::custom
