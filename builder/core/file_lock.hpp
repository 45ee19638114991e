#pragma once
// flock(2) on a file or directory as a move-only RAII handle. The rootfs cache uses it for
// "in use" (a shared lock on an entry's directory) and "being removed or built" (an exclusive one);
// see builder/stage/rootfs_cache.hpp.
#include <filesystem>
#include <optional>

#include "builder/core/fd.hpp"

namespace xbuild::fs {

enum class LockMode { shared, exclusive };
enum class LockWait { block, try_once };

class FileLock {
  public:
    FileLock() = default;
    FileLock(FileLock&&) noexcept = default;
    FileLock& operator=(FileLock&&) noexcept = default;

    // Opens path (an existing directory or file, read-only) and locks it. nullopt when path does
    // not exist, or with try_once when another open file holds a conflicting lock. Throws Error
    // for any other failure.
    static std::optional<FileLock> acquire(const std::filesystem::path& path, LockMode mode, LockWait wait);

    // True when path still names the locked file (same device and inode): a lock on a directory
    // that was renamed away or replaced meanwhile does not protect what path names now.
    bool still_at(const std::filesystem::path& path) const;
    int fd() const { return m_fd.get(); }
    explicit operator bool() const { return static_cast<bool>(m_fd); }

  private:
    explicit FileLock(Fd fd) : m_fd(std::move(fd)) {}
    Fd m_fd;
};

}  // namespace xbuild::fs
