#include "builder/core/fs.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "builder/core/atomic_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"

namespace xbuild {

std::string errno_text(int error_number) {
    char buffer[256];
    return strerror_r(error_number, buffer, sizeof buffer);
}

}  // namespace xbuild

namespace xbuild::fs {

bool write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        content.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

namespace {

// Reads fd to its end in chunks, giving each to take (which returns false to stop early); a read
// error is an Error naming path.
template <class Take>
void read_chunks(int fd, const stdfs::path& path, Take take) {
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("failed to read {}: {}", path.string(), errno_text(errno));
        if (n == 0 || !take(std::string_view(buffer, static_cast<size_t>(n)))) return;
    }
}

}  // namespace

std::string read_file(const stdfs::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("failed to open {}: {}", path.string(), errno_text(errno));
    std::string content;
    read_chunks(fd.get(), path, [&](std::string_view chunk) {
        content.append(chunk);
        return true;
    });
    return content;
}

std::optional<std::string> read_file_limited(const stdfs::path& path, std::uint64_t max_size) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("failed to open {}: {}", path.string(), errno_text(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail("failed to stat {}: {}", path.string(), errno_text(errno));
    if (static_cast<std::uint64_t>(st.st_size) > max_size) return std::nullopt;
    std::string content;
    bool too_big = false;
    read_chunks(fd.get(), path, [&](std::string_view chunk) {
        too_big = chunk.size() > max_size - content.size();
        if (!too_big) content.append(chunk);
        return !too_big;
    });
    if (too_big) return std::nullopt;
    return content;
}

void copy_file_content(const stdfs::path& src, const stdfs::path& dest, unsigned mode) {
    Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) fail("failed to open {}: {}", src.string(), errno_text(errno));
    Fd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!out) fail("failed to create {}: {}", dest.string(), errno_text(errno));
    read_chunks(in.get(), src, [&](std::string_view chunk) {
        if (!write_all(out.get(), chunk)) fail("failed to write {}: {}", dest.string(), errno_text(errno));
        return true;
    });
    if (::fchmod(out.get(), mode) != 0) fail("failed to chmod {}: {}", dest.string(), errno_text(errno));
}

stdfs::path make_temp_file(const stdfs::path& dir, std::string_view prefix) {
    std::string pattern = (dir / prefix).string() + "XXXXXX";
    Fd fd(::mkstemp(pattern.data()));
    if (!fd) fail("failed to create a temporary file in {}: {}", dir.string(), errno_text(errno));
    return pattern;
}

void append_file(const stdfs::path& path, std::string_view content) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) fail("failed to open {} for appending: {}", path.string(), errno_text(errno));
    if (!write_all(fd.get(), content)) fail("failed to write {}: {}", path.string(), errno_text(errno));
}

void write_file_atomic(const stdfs::path& path, std::string_view content, unsigned mode) {
    AtomicFile file = AtomicFile::next_to(path);
    file.write(content);
    file.commit(path, mode);
}

void copy_tree(const stdfs::path& from, const stdfs::path& to) {
    std::error_code error;
    stdfs::copy(from, to, stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks, error);
    if (error) fail("failed to copy {} to {}: {}", from.string(), to.string(), error.message());
}

void copy_tree(const stdfs::path& source, const stdfs::path& to, const std::vector<stdfs::path>& excluded) {
    if (excluded.empty()) return copy_tree(source, to);
    std::error_code error;
    auto fail_copy = [&](const stdfs::path& at) {
        fail("failed to copy {} to {}: {}", at.string(), to.string(), error.message());
    };
    // Compared as canonical paths: "." and "./build" name what /abs/project and /abs/project/build do.
    const stdfs::path from = stdfs::canonical(source, error);
    if (error) fail_copy(source);
    std::vector<stdfs::path> exclude;
    for (const auto& path : excluded) {
        exclude.push_back(stdfs::weakly_canonical(path, error));
        if (error) fail_copy(path);
    }
    stdfs::create_directory(to, error);
    if (error) fail_copy(from);
    stdfs::recursive_directory_iterator it(from, error), end;
    if (error) fail_copy(from);
    for (; it != end; it.increment(error)) {
        if (error) fail_copy(from);
        const stdfs::path& path = it->path();
        if (std::find(exclude.begin(), exclude.end(), path) != exclude.end()) {
            it.disable_recursion_pending();
            continue;
        }
        const stdfs::path dest = to / path.lexically_relative(from);
        if (it->is_symlink(error))
            stdfs::copy_symlink(path, dest, error);
        else if (it->is_directory(error))
            stdfs::create_directory(dest, path, error);
        else
            stdfs::copy_file(path, dest, error);
        if (error) fail_copy(path);
    }
    if (error) fail_copy(from);
}

void copy_file_atomic(const stdfs::path& src, const stdfs::path& dest) {
    Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    if (!in || ::fstat(in.get(), &st) != 0) fail("failed to open {}: {}", src.string(), errno_text(errno));
    AtomicFile file = AtomicFile::next_to(dest);
    read_chunks(in.get(), src, [&](std::string_view chunk) {
        file.write(chunk);
        return true;
    });
    file.commit(dest, st.st_mode & 07777);
}

void make_dirs(const stdfs::path& path) {
    std::error_code error;
    stdfs::create_directories(path, error);
    if (error) fail("failed to create directory {}: {}", path.string(), error.message());
}

namespace {

int remove_entry(const char* path, const struct stat* st, int type, struct FTW*) {
    // FTW_DNR: a directory this process cannot read (an overlay's work/work, mode 0, left by an
    // unprivileged sandbox); empty, it goes, else the second walk opens it.
    if (type == FTW_DP || type == FTW_DNR) {
        if (::rmdir(path) != 0 && errno != ENOENT) return errno;
        return 0;
    }
    (void)st;
    if (::unlink(path) != 0 && errno != ENOENT) return errno;
    return 0;
}

// Read-only directories (0555 in rootfs trees) block unlinking their entries; unreadable ones (mode 0)
// hide them from the walk.
int make_dirs_writable(const char* path, const struct stat* st, int type, struct FTW*) {
    if ((type == FTW_D || type == FTW_DNR) && (st->st_mode & S_IRWXU) != S_IRWXU)
        ::chmod(path, (st->st_mode & 07777) | S_IRWXU);
    return 0;
}

}  // namespace

void remove_tree(const stdfs::path& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail("failed to remove {}: {}", path.string(), errno_text(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            fail("failed to remove {}: {}", path.string(), errno_text(errno));
        return;
    }
    // One walk removes most trees; read-only directories (EACCES) need another, which makes them
    // writable first. An unreadable directory shows its entries only to the walk after the one that
    // opened it up, so nested ones take a walk each (a few at most).
    int result = ::nftw(path.c_str(), remove_entry, 64, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
    for (int walk = 0; result != 0 && walk < 8; ++walk) {
        ::nftw(path.c_str(), make_dirs_writable, 64, FTW_PHYS | FTW_MOUNT);
        result = ::nftw(path.c_str(), remove_entry, 64, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
    }
    if (result != 0) {
        int error = result > 0 ? result : errno;
        fail("failed to remove {}: {}", path.string(), errno_text(error));
    }
}

namespace {
thread_local std::uint64_t g_tree_bytes = 0;
int add_size(const char*, const struct stat* st, int type, struct FTW*) {
    if (type == FTW_F && S_ISREG(st->st_mode)) g_tree_bytes += static_cast<std::uint64_t>(st->st_size);
    return 0;
}
}  // namespace

std::uint64_t tree_size(const stdfs::path& path) {
    g_tree_bytes = 0;
    ::nftw(path.c_str(), add_size, 64, FTW_PHYS | FTW_MOUNT);
    return g_tree_bytes;
}

PruneResult prune_children(const stdfs::path& dir, long long max_age) {
    PruneResult result;
    const time_t now = ::time(nullptr);
    std::error_code error;
    for (const auto& entry : stdfs::directory_iterator(dir, error)) {
        struct stat st;
        if (::lstat(entry.path().c_str(), &st) != 0) continue;
        if (max_age >= 0 && now - st.st_mtim.tv_sec < max_age) continue;
        std::optional<FileLock> lock;
        if (!S_ISLNK(st.st_mode)) {
            lock = FileLock::acquire(entry.path(), LockMode::exclusive, LockWait::try_once);
            if (!lock) {
                if (::lstat(entry.path().c_str(), &st) == 0) result.kept.push_back(entry.path());
                continue;
            }
        }
        std::uint64_t bytes =
            S_ISDIR(st.st_mode) ? tree_size(entry.path()) : static_cast<std::uint64_t>(st.st_size);
        remove_tree(entry.path());
        result.bytes += bytes;
        ++result.removed;
    }
    return result;
}

bool is_writable_dir(const stdfs::path& dir) {
    return ::access(dir.c_str(), W_OK | X_OK) == 0;
}

stdfs::path home_dir() {
    if (const char* home = std::getenv("HOME"); home && *home) return home;
    if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir) return entry->pw_dir;
    return "/";
}

TempDir::TempDir(const stdfs::path& parent, std::string_view prefix) {
    std::string pattern = (parent / prefix).string() + "XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        fail("failed to create a temporary directory in {}: {}", parent.string(), errno_text(errno));
    m_path = pattern;
    // Nobody else knows the name yet: the lock is free. (Without it the directory merely looks unused.)
    try {
        if (auto lock = FileLock::acquire(m_path, LockMode::shared, LockWait::try_once))
            m_lock = std::move(*lock);
    } catch (const Error&) {
    }
}

TempDir::~TempDir() {
    if (m_path.empty()) return;
    try {
        remove_tree(m_path);
    } catch (const Error&) {
        // Destructors must not throw; a leftover temp dir is reported by `xbuild cache ls`.
    }
}

}  // namespace xbuild::fs
