#pragma once
// Number and tensor formatting shared by the inspectors.

#include "model/Model.h"

#include <QString>

namespace ql::ui {

QString formatNumber(double v);          // 6 significant digits, no trailing noise
QString formatCount(uint64_t n);         // 1,234,567
QString formatBytes(uint64_t bytes);     // 3.4 MB
QString formatShape(const std::vector<int32_t>& shape); // [1, 224, 224, 3]
QString describeTensorShort(const Tensor& t); // "name  [1, 4] int8"

} // namespace ql::ui
