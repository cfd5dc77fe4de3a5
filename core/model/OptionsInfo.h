#pragma once
// Named, typed view of an operator's builtin options for display and JSON: every field of the
// options table (defaults included), enum values as their names. Uses the mini-reflection
// tables that flatc generates from the schema, so every builtin operator is covered.

#include "model/Model.h"

#include <string>
#include <vector>

namespace ql {

struct OptionField {
    std::string name;  // schema field name, e.g. "stride_w"
    std::string text;  // human form: "2", "SAME", "true", "[1, 2]"
    std::string json;  // JSON value: 2, "SAME", true, [1,2]
};

// The fields of op.options and op.options2 (empty for operators without options); for a custom
// operator, its decoded flexbuffer options (model/CustomOptions.h).
std::vector<OptionField> describeOptions(const Operator& op);
// "Conv2DOptions" etc., "custom (flexbuffer)" for a custom operator's options, or "" when the
// operator has none.
std::string optionsTypeName(const Operator& op);

} // namespace ql
