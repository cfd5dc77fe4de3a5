#include "io/AtomicFile.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ql {
namespace {

// Temporary files being written, for removeTemporaryFiles() in a signal handler: fixed slots
// of plain char arrays (no allocation, no locks; a slot is claimed with an atomic flag).
constexpr size_t kSlots = 64;
constexpr size_t kPathMax = 4096;
struct Slot {
    std::atomic<bool> used{false};
    std::atomic<bool> ready{false};
    char path[kPathMax];
};
std::array<Slot, kSlots> g_slots;

// Registers `path` while it exists; unregisters on destruction.
class TempRegistration {
public:
    explicit TempRegistration(const std::string& path) {
        if (path.size() >= kPathMax) return;
        for (size_t i = 0; i < kSlots; ++i) {
            bool expected = false;
            if (!g_slots[i].used.compare_exchange_strong(expected, true)) continue;
            std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
            g_slots[i].ready.store(true);
            m_slot = int(i);
            return;
        }
    }
    ~TempRegistration() {
        if (m_slot < 0) return;
        g_slots[size_t(m_slot)].ready.store(false);
        g_slots[size_t(m_slot)].used.store(false);
    }
    TempRegistration(const TempRegistration&) = delete;
    TempRegistration& operator=(const TempRegistration&) = delete;

private:
    int m_slot = -1;
};

// Removes `.NAME.tmp-XXXXXX` files beside `target` left by runs that died (SIGKILL, power
// loss). A live writer holds an exclusive flock on its temporary file; a file whose lock can
// be taken has no writer any more.
void removeStaleTemporaries(const std::filesystem::path& dir, const std::string& name) {
    const std::string prefix = "." + name + ".tmp-";
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (const dirent* e = ::readdir(d)) {
        const std::string entry = e->d_name;
        if (entry.size() != prefix.size() + 6 || entry.compare(0, prefix.size(), prefix) != 0)
            continue;
        const std::string path = (dir / entry).string();
        const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat st {};
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0)
            ::unlink(path.c_str());
        ::close(fd);
    }
    ::closedir(d);
}

} // namespace

void removeTemporaryFiles() {
    for (Slot& s : g_slots)
        if (s.ready.load()) ::unlink(s.path);
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
    if (Status s = checkOutputPath(path); !s) return s;
    for (const std::string& input : protectedInputs)
        if (sameFile(path, input))
            return makeError(path + ": refusing to write over the input file " + input);

    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    removeStaleTemporaries(dir, target.filename().string());
    std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    // Signals that delete temporaries stay blocked between creating the file and registering it.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    const int fd = ::mkstemp(tmpl.data());
    const int mkErr = errno;
    TempRegistration registration(fd >= 0 ? tmpl : std::string());
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (fd < 0) {
        const std::string why =
            mkErr == EACCES || mkErr == EPERM ? "permission denied" : std::strerror(mkErr);
        return makeError(path + ": cannot create a temporary file in " + dir.string() + ": " + why);
    }
    ::flock(fd, LOCK_EX | LOCK_NB); // marks the file as being written (removeStaleTemporaries)

    auto fail = [&](const std::string& what) {
        const int e = errno;
        ::close(fd);
        ::unlink(tmpl.c_str());
        return Status(makeError(path + ": " + what + ": " + std::strerror(e)));
    };
    for (std::span<const uint8_t> part : parts) {
        const uint8_t* p = part.data();
        size_t left = part.size();
        while (left > 0) {
            const ssize_t n = ::write(fd, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                return fail("write failed");
            }
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    if (::fsync(fd) != 0) return fail("fsync failed");
    ::fchmod(fd, 0644);
    if (::close(fd) != 0) {
        ::unlink(tmpl.c_str());
        return makeError(path + ": close failed: " + std::strerror(errno));
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmpl.c_str());
        return makeError(path +
                         ": cannot rename the temporary file into place: " + std::strerror(e));
    }
    return {};
}

} // namespace ql
