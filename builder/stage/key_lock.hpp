#pragma once
// One builder per key: an exclusive flock on $XBUILD_CACHE/locks/<name>.lock. A second process
// asking for the same key says "waiting for another xbuild process building <what>" and blocks
// until the first is done (or dead: the kernel drops the lock of a killed process), then looks
// again for what the first one made. The holder may unlink the file when done, so that locks/
// does not fill up; a waiter re-checks after locking that its file is still the one on disk.
#include <filesystem>
#include <optional>
#include <string>

#include "builder/core/fd.hpp"
#include "builder/core/log.hpp"

namespace xbuild::stage {

class KeyLock {
  public:
    // Blocks until the lock is held; throws Error when the lock file cannot be opened or locked.
    KeyLock(const std::filesystem::path& file, const Reporter& reporter, const std::string& what);
    // Without waiting: nullopt when another process holds it.
    static std::optional<KeyLock> try_lock(const std::filesystem::path& file);
    KeyLock(KeyLock&&) noexcept = default;
    KeyLock& operator=(KeyLock&&) noexcept = default;

    // Removes the lock file (while holding it) so that nothing is left behind.
    void remove();

  private:
    KeyLock() = default;
    // Opens and locks the file; false when it was replaced meanwhile (then try again).
    bool lock_once(const Reporter* reporter, const std::string& what, bool wait);

    std::filesystem::path m_file;
    Fd m_fd;
};

}  // namespace xbuild::stage
