#pragma once
// Process-wide limits on what an untrusted file can make QuantLab do.
//
// The memory a model may ask for. A .tflite file declares its tensors' shapes; a hostile file
// declares terabytes. The loader refuses, before anything is allocated, a model whose
// tensors together need more than this limit, naming the tensor that crosses it; the
// interpreter refuses an output shape computed at prepare beyond it.
//
// Default: the machine's physical memory. `quantlab-cli --max-memory SIZE` changes it for the
// process (one setting, read by every ReadOptions and Interpreter created afterwards).

#include <cstdint>
#include <optional>
#include <string>

namespace ql {

// Physical memory of the machine in bytes (sysconf); 8 GiB when it cannot be read.
uint64_t machineMemoryBytes();
// The process-wide limit (default machineMemoryBytes()).
uint64_t memoryLimitBytes();
void setMemoryLimitBytes(uint64_t bytes);
// How many times one WHILE may run its body (RunOptions::maxWhileIterations' default): a file
// whose loop condition is a constant true would otherwise never end. Default 10,000,000;
// `quantlab-cli --max-while-iterations N` changes it.
uint64_t maxWhileIterations();
void setMaxWhileIterations(uint64_t n);

// How many elementary steps (multiply-adds, comparisons) one operator may take
// (runtime/OperatorWork.h estimates them after prepare). The memory limit bounds the work of
// operators that visit each element a few times; it does not bound a pooling window, which
// is an option, or a product's reduction length times its output size. Default 10^12 (the
// largest operator of the shared models needs under 10^9; 10^12 is minutes of work);
// `quantlab-cli --max-operator-work N` changes it.
uint64_t maxOperatorWork();
void setMaxOperatorWork(uint64_t n);

// Set by the command line's SIGINT/SIGTERM handlers (async-signal-safe: a lock-free atomic
// store). Long loops that no Progress token reaches (interpreter operators, WHILE iterations)
// poll it and stop with "interrupted".
void requestInterrupt();
bool interruptRequested();
void clearInterrupt(); // for tests

// "512M", "2G", "1.5GiB", "1000000" -> bytes; nullopt for anything else or 0.
std::optional<uint64_t> parseByteSize(const std::string& text);
// "2.0 GiB", "512.0 MiB", "100 bytes".
std::string byteSizeText(uint64_t bytes);

} // namespace ql
