#pragma once
// A content digest of a source tree: relative paths, modes, symlink targets and file
// contents, in sorted order. Keys the wheel cache ("unchanged source, no work").
#include <filesystem>
#include <string>
#include <vector>

namespace xbuild::fs {

// Skips VCS directories (.git, .hg, .svn), __pycache__, *.egg-info and the given paths.
std::string tree_digest(const std::filesystem::path& root,
                        const std::vector<std::filesystem::path>& exclude = {});

}  // namespace xbuild::fs
