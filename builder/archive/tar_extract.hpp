#pragma once
// Safe extraction of source archives (sdists, upstream tarballs, npm packs).
#include <filesystem>

#include "builder/core/input_limits.hpp"

namespace xbuild::archive {

// Extracts a .tar, .tar.gz, .tgz, .tar.xz or .tar.bz2 into dest (which must exist).
// Refuses, naming the archive and the entry, anything that would write outside dest:
// absolute paths, "..", symlinks or hard links whose target leaves the tree, device
// nodes and fifos (symlinks are also followed through the extracted tree, so that a chain of
// links that leaves it is refused too). Bounded: sparse files (GNU or pax) are refused, and so is an
// entry past limits.max_entries or one that makes the files larger than limits.max_sdist_size in
// total, counted from the declared sizes before an entry is written and from the bytes written. On
// error, dest may hold a partial tree: callers extract into a temporary directory.
void extract_tar(const std::filesystem::path& archive, const std::filesystem::path& dest,
                 const InputLimits& limits = InputLimits::from_environment());

// The single top-level directory of an extracted tree (sdists have one), else dest itself.
std::filesystem::path single_top_dir(const std::filesystem::path& dest);

}  // namespace xbuild::archive
