#include "builder/core/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "builder/core/error.hpp"

namespace xbuild::fs {

std::optional<FileLock> FileLock::acquire(const std::filesystem::path& path, LockMode mode, LockWait wait) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        fail("failed to open {} to lock it: {}", path.string(), errno_text(errno));
    }
    int operation =
        (mode == LockMode::shared ? LOCK_SH : LOCK_EX) | (wait == LockWait::try_once ? LOCK_NB : 0);
    while (::flock(fd.get(), operation) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK && wait == LockWait::try_once) return std::nullopt;
        fail("failed to lock {}: {}", path.string(), errno_text(errno));
    }
    return FileLock(std::move(fd));
}

bool FileLock::still_at(const std::filesystem::path& path) const {
    struct stat held {
    }, on_disk{};
    return m_fd && ::fstat(m_fd.get(), &held) == 0 && ::stat(path.c_str(), &on_disk) == 0 &&
           held.st_ino == on_disk.st_ino && held.st_dev == on_disk.st_dev;
}

}  // namespace xbuild::fs
