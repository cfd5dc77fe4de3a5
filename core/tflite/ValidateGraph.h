#pragma once
// Graph-level checks of the load-time validation (Validate.cpp calls them once indices are
// known to be in range): how operators connect tensors, which subgraphs control flow calls,
// and how much memory the declared tensors need together.

#include "model/Model.h"
#include "util/Result.h"

namespace ql {

// Refuses, naming operator and tensor: a tensor that is its own operator's input and output
// (TFLite's Subgraph::AddNodeWithParameters refuses it too), a tensor written by two
// operators, an operator that reads a tensor only a later operator writes (a cycle: TFLite
// runs the operators in file order), an operator writing a constant, a graph input that is a
// constant (callers write inputs; a constant points into the read-only file), and a sparse
// constant read by an operator other than DENSIFY (only DENSIFY decodes the sparse layout).
Status checkOperatorGraph(const Model& model, size_t subgraph);

// Every subgraph index in WHILE/IF/CALL_ONCE options exists, and no subgraph calls itself
// directly or through others (TFLite would recurse without end).
Status checkControlFlow(const Model& model);

// The tensors of each subgraph that are not constants need at most `maxMemoryBytes`
// together (the interpreter's arena is never larger than their sum); the message names the
// tensor at which the sum crosses the limit.
Status checkDeclaredMemory(const Model& model, uint64_t maxMemoryBytes);

} // namespace ql
