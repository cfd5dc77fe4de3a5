#pragma once
// Atomic file output: bytes go to a temporary file beside the target, are flushed to disk and
// renamed over the target only when complete. A failed or cancelled write leaves nothing
// behind. Writing over one of the job's own input files is refused.

#include "util/Result.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace ql {

// True if both paths name the same existing file (same device and inode, after following
// symbolic links).
bool sameFile(const std::string& a, const std::string& b);

// An output path QuantLab may replace: not empty, and either absent or a regular file (a
// symbolic link, device, FIFO or directory there is refused, never replaced).
Status checkOutputPath(const std::string& path);

// Deletes the temporary files of writes in progress. Async-signal-safe: the command line's
// SIGINT/SIGTERM handlers call it before the process ends. (A leftover `.NAME.tmp-XXXXXX`
// of a process killed with SIGKILL is removed by the next write to NAME.)
void removeTemporaryFiles();

// Writes `parts` one after another into `path` atomically. `protectedInputs` are paths the
// job read: if `path` is one of them the write is refused. `path` must pass checkOutputPath.
Status writeFileAtomically(const std::string& path, std::span<const std::span<const uint8_t>> parts,
                           const std::vector<std::string>& protectedInputs = {});

inline Status writeFileAtomically(const std::string& path, std::span<const uint8_t> bytes,
                                  const std::vector<std::string>& protectedInputs = {}) {
    const std::span<const uint8_t> parts[1] = {bytes};
    return writeFileAtomically(path, std::span<const std::span<const uint8_t>>(parts), protectedInputs);
}

} // namespace ql
