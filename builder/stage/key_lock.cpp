#include "builder/stage/key_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/core/error.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

bool KeyLock::lock_once(const Reporter* reporter, const std::string& what, bool wait) {
    m_fd = Fd(::open(m_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!m_fd) fail("failed to open lock {}: {}", m_file.string(), errno_text(errno));
    if (::flock(m_fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) fail("failed to lock {}: {}", m_file.string(), errno_text(errno));
        if (!wait) {
            m_fd.reset();
            return true;
        }
        if (reporter) reporter->info("waiting for another xbuild process building " + what);
        while (::flock(m_fd.get(), LOCK_EX) != 0) {
            if (errno != EINTR) fail("failed to lock {}: {}", m_file.string(), errno_text(errno));
        }
    }
    struct stat held {
    }, on_disk{};
    if (::fstat(m_fd.get(), &held) == 0 && ::stat(m_file.c_str(), &on_disk) == 0 &&
        held.st_ino == on_disk.st_ino && held.st_dev == on_disk.st_dev)
        return true;
    m_fd.reset();  // the holder we waited for removed the file: lock the new one
    return false;
}

KeyLock::KeyLock(const stdfs::path& file, const Reporter& reporter, const std::string& what) : m_file(file) {
    while (!lock_once(&reporter, what, true)) {
    }
}

std::optional<KeyLock> KeyLock::try_lock(const stdfs::path& file) {
    KeyLock lock;
    lock.m_file = file;
    while (!lock.lock_once(nullptr, {}, false)) {
    }
    if (!lock.m_fd) return std::nullopt;
    return lock;
}

void KeyLock::remove() {
    if (m_fd) ::unlink(m_file.c_str());
}

}  // namespace xbuild::stage
