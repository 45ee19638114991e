#include "builder/core/atomic_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

namespace xbuild::fs {

AtomicFile::AtomicFile(const std::filesystem::path& dir, std::string_view prefix) {
    std::string pattern = (dir / prefix).string() + "XXXXXX";
    m_fd = Fd(::mkostemp(pattern.data(), O_CLOEXEC));
    if (!m_fd) fail("failed to create a temporary file in {}: {}", dir.string(), errno_text(errno));
    m_temp = pattern;
}

AtomicFile AtomicFile::next_to(const std::filesystem::path& destination) {
    const std::filesystem::path parent = destination.parent_path().empty() ? "." : destination.parent_path();
    return AtomicFile(parent, destination.filename().string() + ".tmp-");
}

AtomicFile::~AtomicFile() {
    discard();
}

void AtomicFile::write(std::string_view bytes) {
    if (m_temp.empty()) fail("internal error: write to a committed file");
    if (!fs::write_all(m_fd.get(), bytes)) fail("failed to write {}: {}", m_temp.string(), errno_text(errno));
    m_size += bytes.size();
}

void AtomicFile::commit(const std::filesystem::path& destination, unsigned mode) {
    if (m_temp.empty()) fail("internal error: {} committed twice", destination.string());
    if (::fchmod(m_fd.get(), mode) != 0 || ::fsync(m_fd.get()) != 0 || ::close(m_fd.release()) != 0)
        fail("failed to write {}: {}", m_temp.string(), errno_text(errno));
    if (::rename(m_temp.c_str(), destination.c_str()) != 0)
        fail("failed to rename {} to {}: {}", m_temp.string(), destination.string(), errno_text(errno));
    m_temp.clear();
}

void AtomicFile::discard() {
    m_fd.reset();
    if (!m_temp.empty()) ::unlink(m_temp.c_str());
    m_temp.clear();
}

}  // namespace xbuild::fs
