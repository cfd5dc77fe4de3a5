#include "io/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ql {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it is
    // refused below as not a regular file (for regular files the flag changes nothing).
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        const int e = errno;
        return makeError(path + ": cannot open: " + (e == EACCES ? std::string("permission denied") : std::strerror(e)));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return makeError(path + ": cannot stat: " + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return makeError(path + ": not a regular file (" +
                         std::string(S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" : "a device or socket") + ")");
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_size = static_cast<size_t>(st.st_size);
    if (file->m_size > 0) {
        void* p = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            return makeError(path + ": cannot map into memory: " + std::strerror(e));
        }
        file->m_data = static_cast<const uint8_t*>(p);
        file->m_mapped = true;
    }
    ::close(fd);
    return std::shared_ptr<const MappedFile>(std::move(file));
}

std::shared_ptr<const MappedFile> MappedFile::fromBytes(std::vector<uint8_t> bytes) {
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_owned = std::move(bytes);
    file->m_data = file->m_owned.data();
    file->m_size = file->m_owned.size();
    return file;
}

MappedFile::~MappedFile() {
    if (m_mapped) ::munmap(const_cast<uint8_t*>(m_data), m_size);
}

} // namespace ql
