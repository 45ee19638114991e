#include "builder/core/tree_digest.hpp"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"

namespace xbuild::fs {

namespace stdfs = std::filesystem;

namespace {

bool skipped_name(const std::string& name) {
    if (name == ".git" || name == ".hg" || name == ".svn" || name == "__pycache__") return true;
    return name.size() > 9 && name.compare(name.size() - 9, 9, ".egg-info") == 0;
}

void walk(const stdfs::path& root, const stdfs::path& relative, const std::vector<stdfs::path>& exclude,
          hash::Sha256& hasher) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : stdfs::directory_iterator(root / relative, error))
        names.push_back(entry.path().filename());
    if (error) fail("failed to read directory {}: {}", (root / relative).string(), error.message());
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        if (skipped_name(name)) continue;
        stdfs::path rel = relative / name;
        stdfs::path full = root / rel;
        if (std::find(exclude.begin(), exclude.end(), full) != exclude.end()) continue;
        struct stat st;
        if (::lstat(full.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            hasher.update(fmt::format("d {}\n", rel.string()));
            walk(root, rel, exclude, hasher);
        } else if (S_ISLNK(st.st_mode)) {
            hasher.update(fmt::format("l {} {}\n", rel.string(), stdfs::read_symlink(full).string()));
        } else if (S_ISREG(st.st_mode)) {
            std::string content = read_file(full);
            hasher.update(fmt::format("f {} {:o} {}\n", rel.string(), st.st_mode & 0111, content.size()));
            hasher.update(content);
        }
    }
}

}  // namespace

std::string tree_digest(const stdfs::path& root, const std::vector<stdfs::path>& exclude) {
    hash::Sha256 hasher;
    std::vector<stdfs::path> absolute;
    for (const auto& path : exclude) absolute.push_back(stdfs::weakly_canonical(path));
    walk(stdfs::canonical(root), "", absolute, hasher);
    return hasher.hex_digest();
}

}  // namespace xbuild::fs
