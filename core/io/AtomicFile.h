#pragma once
// Atomic file output: bytes go to a temporary file `.NAME.tmp-XXXXXX` beside the target, are
// flushed to disk and renamed over the target only when complete. A failed or cancelled write
// leaves nothing behind. Writing over one of the job's own input files is refused.

#include "util/Result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <sys/types.h>
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

// Writes `parts` one after another into `path` atomically (fsync of the file, then rename).
// `protectedInputs` are paths the job read: if `path` is one of them the write is refused.
// `path` must pass checkOutputPath.
Status writeFileAtomically(const std::string& path, std::span<const std::span<const uint8_t>> parts,
                           const std::vector<std::string>& protectedInputs = {});

inline Status writeFileAtomically(const std::string& path, std::span<const uint8_t> bytes,
                                  const std::vector<std::string>& protectedInputs = {}) {
    const std::span<const uint8_t> parts[1] = {bytes};
    return writeFileAtomically(path, std::span<const std::span<const uint8_t>>(parts),
                               protectedInputs);
}

// Many files written atomically together (a run's outputs, its per-tensor dumps): each add()
// writes a temporary file without syncing it; commit() makes them durable with one syncfs per
// file system, renames each over its target, then syncs each directory once. Ten thousand
// files cost one sync instead of ten thousand.
//
// Every file is all-or-nothing: a reader sees the old file or the complete new one. Until
// commit() nothing is renamed; a batch destroyed without commit (an error, an exception)
// removes its temporaries, and SIGINT/SIGTERM remove them through removeTemporaryFiles().
// The temporaries of a batch are closed once written, so they hold no lock: a concurrent
// write of the same target by another process takes them for a dead run's leftovers and
// removes them, and this batch's commit then fails naming the file (never a partial file).
class AtomicFileBatch {
public:
    explicit AtomicFileBatch(std::vector<std::string> protectedInputs = {});
    ~AtomicFileBatch();
    AtomicFileBatch(const AtomicFileBatch&) = delete;
    AtomicFileBatch& operator=(const AtomicFileBatch&) = delete;

    // Checks `path` (checkOutputPath, not an input, not already in the batch), removes a dead
    // run's temporaries of it, and writes the temporary file.
    Status add(const std::string& path, std::span<const std::span<const uint8_t>> parts);
    Status add(const std::string& path, std::span<const uint8_t> bytes) {
        const std::span<const uint8_t> parts[1] = {bytes};
        return add(path, std::span<const std::span<const uint8_t>>(parts));
    }
    // Syncs, renames every file into place and syncs the directories. On an error the files
    // not yet renamed are removed; those renamed stay (each complete).
    Status commit();
    size_t size() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// Calls of fsync/syncfs made by the atomic writers so far (for tests of the batching).
uint64_t atomicWriteSyncCount();

} // namespace ql
