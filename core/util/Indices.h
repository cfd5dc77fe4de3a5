#pragma once
// Distinct index types so that a tensor index cannot be passed where an operator index is
// expected. The value is the position in the owning vector; -1 means "none" (TFLite uses -1
// for an omitted optional operator input).

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace ql {

template <class Tag> struct Index {
    int32_t value = -1;

    constexpr Index() = default;
    constexpr explicit Index(int32_t v) : value(v) {}
    constexpr explicit Index(size_t v) : value(static_cast<int32_t>(v)) {}
    constexpr explicit Index(int64_t v) : value(static_cast<int32_t>(v)) {}

    constexpr bool valid() const { return value >= 0; }
    constexpr size_t index() const { return static_cast<size_t>(value); }
    constexpr auto operator<=>(const Index&) const = default;
};

using TensorIndex = Index<struct TensorTag>;
using OperatorIndex = Index<struct OperatorTag>;
using BufferIndex = Index<struct BufferTag>;
using SubgraphIndex = Index<struct SubgraphTag>;

} // namespace ql

template <class Tag> struct std::hash<ql::Index<Tag>> {
    size_t operator()(ql::Index<Tag> i) const noexcept { return std::hash<int32_t>{}(i.value); }
};
