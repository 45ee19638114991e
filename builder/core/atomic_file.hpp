#pragma once
// A file written under a temporary name and renamed into place: whoever looks at the destination sees
// no file or a complete one, never a partial write. The temporary file is created with O_EXCL (a
// symlink planted at its name is never followed) and removed when the owner goes out of scope
// uncommitted (an error on the way).
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <utility>

#include "builder/core/fd.hpp"

namespace xbuild::fs {

class AtomicFile {
  public:
    // Creates "<dir>/<prefix>XXXXXX" with mode 0600 (commit sets the final mode).
    AtomicFile(const std::filesystem::path& dir, std::string_view prefix);
    // A temporary file next to destination ("<destination>.tmp-XXXXXX"), for commit(destination).
    static AtomicFile next_to(const std::filesystem::path& destination);
    AtomicFile(AtomicFile&& other) noexcept
        : m_temp(std::exchange(other.m_temp, {})), m_fd(std::move(other.m_fd)), m_size(other.m_size) {}
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    const std::filesystem::path& temp_path() const { return m_temp; }
    void write(std::string_view bytes);
    std::uint64_t size() const { return m_size; }
    // Sets mode, flushes the file to disk (fsync: after a crash the destination is the old file or
    // the whole new one, never an empty one), closes it and renames it over destination (a symlink
    // there is replaced, not followed). The object can not be used afterwards.
    void commit(const std::filesystem::path& destination, unsigned mode);
    // Closes and removes the temporary file: for a caller that found the content stored already.
    void discard();

  private:
    std::filesystem::path m_temp;
    Fd m_fd;
    std::uint64_t m_size = 0;
};

}  // namespace xbuild::fs
