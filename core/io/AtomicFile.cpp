#include "io/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace ql {

bool sameFile(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

Status writeFileAtomically(const std::string& path, std::span<const std::span<const uint8_t>> parts,
                           const std::vector<std::string>& protectedInputs) {
    for (const std::string& input : protectedInputs)
        if (sameFile(path, input))
            return makeError(path + ": refusing to write over the input file " + input);

    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return makeError(path + ": cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno));

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
        return makeError(path + ": cannot rename the temporary file into place: " + std::strerror(e));
    }
    return {};
}

} // namespace ql
