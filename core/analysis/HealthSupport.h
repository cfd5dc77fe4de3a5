#pragma once
// Shared by HealthCheck.cpp (static checks) and HealthData.cpp (sign analysis, saturation,
// JSON); not part of the public analysis API.

#include "analysis/HealthCheck.h"

namespace ql::analysis {

HealthFinding makeFinding(const Subgraph& sg, Severity sev, const char* check, OperatorIndex op, TensorIndex t,
                          std::string figures, std::string why, double value);
// The operator a tensor finding is filed under: its producer, else its first consumer.
OperatorIndex ownerOp(const Subgraph& sg, TensorIndex t);
// The operator's fused activation function name ("NONE", "RELU", "RELU6", ...).
std::string_view operatorActivation(const Operator& op);
// Errors first, then by operator index (stable within).
void sortFindings(std::vector<HealthFinding>& fs);

// Whether the float function behind tensor t can produce negative (positive) values, from its
// producers alone: false only when a ReLU-like operator or fused activation (or a shape /
// pooling operator fed only by such tensors) guarantees the sign. Graph inputs and constants:
// true (unknown).
bool canBeNegative(const Model& model, const Subgraph& sg, TensorIndex t);
bool canBePositive(const Subgraph& sg, TensorIndex t);
// True when t is the output of a shape / pooling operator whose value inputs carry the same
// scale and zero point (TFLite's int8 specification for RESHAPE, pooling, ...): its range is
// its input's, so a finding about it belongs upstream.
bool inheritsParams(const Subgraph& sg, TensorIndex t);

} // namespace ql::analysis
