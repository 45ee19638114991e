#pragma once
// Creates files below an image root without following symlinks: every directory on the way is created
// or opened with O_NOFOLLOW relative to its parent, and the file itself with O_CREAT | O_EXCL, so a
// symlink or a file planted in the root is refused, never written through or replaced.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "builder/core/fd.hpp"

namespace xbuild::python {

// What a new file holds: head (in memory), then the content of file from offset on, copied in chunks.
struct FileContent {
    std::string_view head;
    const std::filesystem::path* file = nullptr;
    std::uint64_t offset = 0;
};

class RootWriter {
  public:
    // Throws Error when root cannot be opened as a directory.
    explicit RootWriter(const std::filesystem::path& root);

    // Creates relative ('/'-separated below root; no empty, "." or ".." component) with content and
    // mode; directories on the way are made 0755. Throws Error starting with label (the source, for
    // messages) that names a symlink or an existing file in the way as such.
    void create(std::string_view relative, const FileContent& content, unsigned mode,
                std::string_view label) const;

  private:
    [[noreturn]] void refuse(std::string_view label, std::string_view relative, int error, int dir = -1,
                             const std::string& name = {}) const;

    std::filesystem::path m_root;
    Fd m_fd;
};

}  // namespace xbuild::python
