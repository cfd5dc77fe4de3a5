#pragma once
// A synthetic model with any number of operators, for benchmarks and scaling tests: blocks of
// 50 operators ("block7/op351/out") mixing FULLY_CONNECTED (a constant weight), ADD with a
// skip connection from a few operators back, and CONCATENATION of three earlier outputs, so
// that operators have two to three edges each and some edges span several layers.

#include "model/Model.h"

namespace ql {

Model makeSyntheticModel(int operators);

} // namespace ql
