#include "io/AtomicFile.h"
#include "util/StopSignals.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ql {
namespace {

std::atomic<uint64_t> g_syncCalls{0};

// The temporary files being written, for removeTemporaryFiles() in a signal handler. Each
// write (or batch) owns a TempList: chunks of NUL-terminated paths appended by its one
// writer and published by an atomic length, registered in one of a fixed number of slots.
// The handler only loads atomics, reads published bytes and calls unlink (async-signal-safe;
// no allocation, no locks). A list is unregistered before it is freed; a signal arriving in
// another thread at that very moment could read freed memory, a window of a few instructions
// at the end of a write, accepted.
struct PathChunk {
    explicit PathChunk(size_t capacity) : text(new char[capacity]), capacity(capacity) {}
    std::unique_ptr<char[]> text;
    size_t capacity;
    std::atomic<size_t> used{0};
    std::atomic<PathChunk*> next{nullptr};
};

constexpr size_t kSlots = 64;
std::array<std::atomic<const std::atomic<PathChunk*>*>, kSlots> g_lists{};

class TempList {
public:
    TempList() {
        for (auto& slot : g_lists) {
            const std::atomic<PathChunk*>* expected = nullptr;
            if (slot.compare_exchange_strong(expected, &m_head)) {
                m_slot = &slot;
                return;
            }
        }
        // More than kSlots writes at once: this one is still cleaned by its own error paths,
        // not by a signal handler.
    }
    ~TempList() {
        if (m_slot) m_slot->store(nullptr);
        PathChunk* c = m_head.load();
        while (c) {
            PathChunk* next = c->next.load();
            delete c;
            c = next;
        }
    }
    TempList(const TempList&) = delete;
    TempList& operator=(const TempList&) = delete;

    // Called with SIGINT/SIGTERM/SIGHUP blocked in this thread, right after the file exists.
    void add(const std::string& path) {
        const size_t need = path.size() + 1;
        if (!m_tail || m_tail->capacity - m_tail->used.load() < need) {
            auto* c = new PathChunk(std::max<size_t>(need, m_tail ? 64 * 1024 : 4096));
            if (m_tail)
                m_tail->next.store(c);
            else
                m_head.store(c);
            m_tail = c;
        }
        const size_t at = m_tail->used.load();
        std::memcpy(m_tail->text.get() + at, path.c_str(), need);
        m_tail->used.store(at + need);
    }

private:
    std::atomic<PathChunk*> m_head{nullptr};
    PathChunk* m_tail = nullptr;
    std::atomic<const std::atomic<PathChunk*>*>* m_slot = nullptr;
};

// A `.NAME.tmp-XXXXXX` temporary of a run that died (SIGKILL, power loss) is removed by the
// next write to NAME. A live single-file writer holds an exclusive flock on its temporary
// file; a file whose lock can be taken has no writer any more.
void removeIfDead(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0)
        ::unlink(path.c_str());
    ::close(fd);
}

// The temporaries in `dir` by the target NAME they were for: entries `.NAME.tmp-XXXXXX`.
std::multimap<std::string, std::string> temporariesIn(const std::filesystem::path& dir) {
    std::multimap<std::string, std::string> found;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return found;
    while (const dirent* e = ::readdir(d)) {
        const std::string entry = e->d_name;
        constexpr std::string_view kMark = ".tmp-";
        if (entry.size() < 1 + 1 + kMark.size() + 6 || entry[0] != '.') continue;
        const size_t mark = entry.size() - 6 - kMark.size();
        if (entry.compare(mark, kMark.size(), kMark) != 0) continue;
        found.emplace(entry.substr(1, mark - 1), entry);
    }
    ::closedir(d);
    return found;
}

void removeStaleTemporaries(const std::filesystem::path& dir,
                            const std::multimap<std::string, std::string>& temps,
                            const std::string& name) {
    const auto [from, to] = temps.equal_range(name);
    for (auto it = from; it != to; ++it)
        removeIfDead((dir / it->second).string());
}

std::filesystem::path parentOf(const std::filesystem::path& target) {
    return target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
}

Status checkTarget(const std::string& path, const std::vector<std::string>& protectedInputs) {
    if (Status s = checkOutputPath(path); !s) return s;
    for (const std::string& input : protectedInputs)
        if (sameFile(path, input))
            return makeError(path + ": refusing to write over the input file " + input);
    return {};
}

// A temporary file beside `path`, created and registered in `list` with the signals that
// delete temporaries blocked, so that none can arrive between creating and registering it.
struct Temp {
    int fd = -1;
    std::string path;
};
Result<Temp> createTemp(const std::string& path, TempList& list) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = parentOf(target);
    Temp t;
    t.path = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    int mkErr = 0;
    {
        // A stop signal's handler deletes the listed files: the new file is listed before
        // any handler can run on this thread.
        const BlockStopSignals blocked;
        t.fd = ::mkstemp(t.path.data());
        mkErr = errno;
        if (t.fd >= 0) list.add(t.path);
    }
    if (t.fd < 0) {
        const std::string why =
            mkErr == EACCES || mkErr == EPERM ? "permission denied" : std::strerror(mkErr);
        return makeError(path + ": cannot create a temporary file in " + dir.string() + ": " + why);
    }
    ::flock(t.fd, LOCK_EX | LOCK_NB); // marks the file as being written (removeStaleTemporaries)
    return t;
}

// Writes every part; on an error closes and removes the temporary.
Status writeParts(const std::string& path, Temp& t,
                  std::span<const std::span<const uint8_t>> parts) {
    for (std::span<const uint8_t> part : parts) {
        const uint8_t* p = part.data();
        size_t left = part.size();
        while (left > 0) {
            const ssize_t n = ::write(t.fd, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                const int e = errno;
                ::close(t.fd);
                ::unlink(t.path.c_str());
                return makeError(path + ": write failed: " + std::strerror(e));
            }
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    ::fchmod(t.fd, 0644);
    return {};
}

} // namespace

void removeTemporaryFiles() {
    for (auto& slot : g_lists) {
        const std::atomic<PathChunk*>* head = slot.load();
        if (!head) continue;
        for (const PathChunk* c = head->load(); c; c = c->next.load()) {
            const size_t used = c->used.load();
            for (size_t at = 0; at < used;) {
                const char* p = c->text.get() + at;
                ::unlink(p);
                at += std::strlen(p) + 1;
            }
        }
    }
}

uint64_t atomicWriteSyncCount() {
    return g_syncCalls.load();
}

bool sameFile(const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

Status checkOutputPath(const std::string& path) {
    if (path.empty()) return makeError("the output path is empty");
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return {};
        return makeError(path + ": " + std::strerror(errno));
    }
    if (S_ISLNK(st.st_mode))
        return makeError(path + ": is a symbolic link; refusing to replace it (give the path it "
                                "points to, or another path)");
    if (S_ISDIR(st.st_mode)) return makeError(path + ": is a directory");
    if (!S_ISREG(st.st_mode))
        return makeError(
            path + ": is not a regular file (a device, FIFO or socket); refusing to replace it");
    return {};
}

Status writeFileAtomically(const std::string& path, std::span<const std::span<const uint8_t>> parts,
                           const std::vector<std::string>& protectedInputs) {
    if (Status s = checkTarget(path, protectedInputs); !s) return s;
    {
        const std::filesystem::path target(path);
        removeStaleTemporaries(parentOf(target), temporariesIn(parentOf(target)),
                               target.filename().string());
    }
    TempList list;
    auto made = createTemp(path, list);
    if (!made) return made.error();
    Temp& t = made.value();
    if (Status s = writeParts(path, t, parts); !s) return s;
    ++g_syncCalls;
    if (::fsync(t.fd) != 0) {
        const int e = errno;
        ::close(t.fd);
        ::unlink(t.path.c_str());
        return makeError(path + ": fsync failed: " + std::strerror(e));
    }
    if (::close(t.fd) != 0) {
        const int e = errno;
        ::unlink(t.path.c_str());
        return makeError(path + ": close failed: " + std::strerror(e));
    }
    if (::rename(t.path.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(t.path.c_str());
        return makeError(path +
                         ": cannot rename the temporary file into place: " + std::strerror(e));
    }
    return {};
}

struct AtomicFileBatch::Impl {
    struct File {
        std::string target, temp;
        dev_t device = 0;
    };
    std::vector<std::string> protectedInputs;
    std::vector<File> files;
    std::set<std::string> targets; // the paths added, as given
    // Each directory's temporaries, listed once when the batch first writes there (a listing
    // per file would make ten thousand outputs quadratic); later entries are the batch's own.
    std::map<std::string, std::multimap<std::string, std::string>> temporaries;
    TempList list;
    size_t renamed = 0; // files[0, renamed) are in place

    void removeRemaining() {
        for (size_t i = renamed; i < files.size(); ++i)
            ::unlink(files[i].temp.c_str());
        files.resize(renamed);
    }
};

AtomicFileBatch::AtomicFileBatch(std::vector<std::string> protectedInputs)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->protectedInputs = std::move(protectedInputs);
}

AtomicFileBatch::~AtomicFileBatch() {
    m_impl->removeRemaining();
}

size_t AtomicFileBatch::size() const {
    return m_impl->files.size();
}

Status AtomicFileBatch::add(const std::string& path,
                            std::span<const std::span<const uint8_t>> parts) {
    if (Status s = checkTarget(path, m_impl->protectedInputs); !s) return s;
    if (!m_impl->targets.insert(path).second)
        return makeError(path + ": written twice in one batch");
    {
        const std::filesystem::path target(path);
        const std::string dir = parentOf(target).string();
        auto it = m_impl->temporaries.find(dir);
        if (it == m_impl->temporaries.end())
            it = m_impl->temporaries.emplace(dir, temporariesIn(dir)).first;
        removeStaleTemporaries(dir, it->second, target.filename().string());
    }
    auto made = createTemp(path, m_impl->list);
    if (!made) return made.error();
    Temp& t = made.value();
    if (Status s = writeParts(path, t, parts); !s) return s;
    struct stat st {};
    ::fstat(t.fd, &st);
    if (::close(t.fd) != 0) {
        const int e = errno;
        ::unlink(t.path.c_str());
        return makeError(path + ": close failed: " + std::strerror(e));
    }
    m_impl->files.push_back({path, t.path, st.st_dev});
    return {};
}

Status AtomicFileBatch::commit() {
    Impl& m = *m_impl;
    auto fail = [&](const std::string& path, const std::string& what, int e) {
        m.removeRemaining();
        return Status(makeError(path + ": " + what + ": " + std::strerror(e)));
    };
    // One syncfs per file system writes every temporary's data and inode (Linux 5.8 and later
    // also report write-back errors through it).
    std::set<dev_t> synced;
    for (const Impl::File& f : m.files) {
        if (!synced.insert(f.device).second) continue;
        const int fd = ::open(f.temp.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return fail(f.target, "cannot reopen the temporary file", errno);
        ++g_syncCalls;
        const int rc = ::syncfs(fd);
        const int e = errno;
        ::close(fd);
        if (rc != 0) return fail(f.target, "syncfs failed", e);
    }
    std::set<std::string> dirs;
    for (; m.renamed < m.files.size(); ++m.renamed) {
        const Impl::File& f = m.files[m.renamed];
        if (::rename(f.temp.c_str(), f.target.c_str()) != 0)
            return fail(f.target, "cannot rename the temporary file into place", errno);
        dirs.insert(parentOf(f.target).string());
    }
    // The renames are durable once their directories are.
    for (const std::string& dir : dirs) {
        const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;
        ++g_syncCalls;
        ::fsync(fd);
        ::close(fd);
    }
    return {};
}

} // namespace ql
