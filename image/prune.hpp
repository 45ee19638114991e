#pragma once
// Pruning a rootfs tree for an image: what nothing that runs needs (documentation, manuals,
// translations, headers, static libraries, the standard library's test suites).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace xbuild::image {

struct PruneRules {
    std::vector<std::string> paths;  // root-relative: the file, symlink or whole directory goes
    std::vector<std::string>
        patterns;                   // globs: without '/', on every name; with '/', on the root-relative path
    std::vector<std::string> keep;  // globs on root-relative paths that survive a removed directory
};

struct PruneResult {
    std::size_t entries = 0;  // files, symlinks and directories removed
    std::uint64_t bytes = 0;  // apparent size of the regular files removed
};

// Removes what rules name below root. Symlinks are removed, never followed; nothing outside root is
// touched ("..", absolute paths and paths through a symlink are refused with an Error).
PruneResult prune_tree(const std::filesystem::path& root, const PruneRules& rules);
// Removes everything below root but what the globs in keep name (root-relative paths, FNM_PATHNAME; a
// directory named is kept whole) and the directories leading to it.
PruneResult keep_only(const std::filesystem::path& root, const std::vector<std::string>& keep);

}  // namespace xbuild::image
