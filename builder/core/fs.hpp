#pragma once
// File-system helpers with xbuild::Error messages that name the path.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builder/core/file_lock.hpp"

namespace xbuild::fs {

namespace stdfs = std::filesystem;

std::string read_file(const stdfs::path& path);
// The content of a file when it holds at most max_size bytes, else nullopt (checked while reading: a
// file that grows is cut off too). For small files of untrusted input: metadata, scripts.
std::optional<std::string> read_file_limited(const stdfs::path& path, std::uint64_t max_size);
// Copies src's content to dest (created or truncated) with mode, in chunks; Error naming the paths.
void copy_file_content(const stdfs::path& src, const stdfs::path& dest, unsigned mode);
// Creates an empty file "<dir>/<prefix>XXXXXX" (mkstemp) and returns its path.
stdfs::path make_temp_file(const stdfs::path& dir, std::string_view prefix);
// Writes all of content to fd (EINTR retried); false with errno set when a write fails.
bool write_all(int fd, std::string_view content);
// Appends content to path (created 0644; a symlink is refused); Error naming the path when it
// cannot be opened or written (a build log's header, say, is never silently lost).
void append_file(const stdfs::path& path, std::string_view content);
// Writes content through an AtomicFile (builder/core/atomic_file.hpp): readers see the old or the
// whole new file, also after a crash.
void write_file_atomic(const stdfs::path& path, std::string_view content, unsigned mode = 0644);
// Copies the tree at from to to (which must not exist), symlinks as symlinks, never followed;
// Error "failed to copy FROM to TO: ...".
void copy_tree(const stdfs::path& from, const stdfs::path& to);
// The same, leaving out the paths in exclude and what is below them (compared as canonical paths).
void copy_tree(const stdfs::path& from, const stdfs::path& to, const std::vector<stdfs::path>& exclude);
// Copies src (with its mode) to dest through an AtomicFile: dest is the old or the new file, never a
// half one.
void copy_file_atomic(const stdfs::path& src, const stdfs::path& dest);
void make_dirs(const stdfs::path& path);
// Removes a tree without following symlinks or crossing mount points; makes read-only
// directories writable first (rootfs trees have them). Missing path is not an error.
void remove_tree(const stdfs::path& path);
// Apparent size in bytes of the regular files below path (symlinks not followed).
std::uint64_t tree_size(const stdfs::path& path);
// True when the current user may create entries in dir (which must exist).
bool is_writable_dir(const stdfs::path& dir);
struct PruneResult {
    int removed = 0;
    std::uint64_t bytes = 0;        // apparent size of what was removed
    std::vector<stdfs::path> kept;  // entries in use (locked, see TempDir)
};
// Removes the entries of dir whose mtime is older than max_age seconds (all when max_age < 0),
// except those in use: an entry another open file holds a flock on (shared or exclusive).
PruneResult prune_children(const stdfs::path& dir, long long max_age);
// "$HOME" or the passwd entry's home directory.
stdfs::path home_dir();

// A directory removed with its contents when the owner goes out of scope, unless released. It
// holds a shared flock on the directory while it lives: in use, so prune_children leaves it alone
// (builds work in such directories below the cache).
class TempDir {
  public:
    // Creates "<parent>/<prefix>XXXXXX".
    TempDir(const stdfs::path& parent, std::string_view prefix);
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&& other) noexcept : m_path(std::move(other.m_path)), m_lock(std::move(other.m_lock)) {
        other.m_path.clear();
    }
    // The directory held before goes with other.
    TempDir& operator=(TempDir&& other) noexcept {
        std::swap(m_path, other.m_path);
        std::swap(m_lock, other.m_lock);
        return *this;
    }
    ~TempDir();

    const stdfs::path& path() const { return m_path; }
    // Keeps the directory on disk (after it was renamed into place, say); returns its lock, still
    // held, for a caller that keeps using the directory.
    FileLock release() {
        m_path.clear();
        return std::move(m_lock);
    }

  private:
    stdfs::path m_path;
    FileLock m_lock;
};

}  // namespace xbuild::fs
