#include "builder/core/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"

namespace xbuild::fs {

MappedFile::MappedFile(const std::filesystem::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("failed to open {}: {}", path.string(), errno_text(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail("failed to stat {}: {}", path.string(), errno_text(errno));
    if (!S_ISREG(st.st_mode)) fail("failed to map {}: not a regular file", path.string());
    if (st.st_size == 0) return;
    void* data = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (data == MAP_FAILED) fail("failed to map {}: {}", path.string(), errno_text(errno));
    m_data = data;
    m_size = static_cast<std::size_t>(st.st_size);
}

MappedFile::~MappedFile() {
    if (m_data) ::munmap(m_data, m_size);
}

}  // namespace xbuild::fs
