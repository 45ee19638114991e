#include "image/prune.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

namespace xbuild::image {

namespace stdfs = std::filesystem;

namespace {

bool matches(const std::string& pattern, const std::string& relative) {
    if (pattern.find('/') == std::string::npos)
        return ::fnmatch(pattern.c_str(), stdfs::path(relative).filename().c_str(), 0) == 0;
    return ::fnmatch(pattern.c_str(), relative.c_str(), FNM_PATHNAME) == 0;
}

bool kept(const PruneRules& rules, const std::string& relative) {
    return std::any_of(rules.keep.begin(), rules.keep.end(), [&](const std::string& keep) {
        return ::fnmatch(keep.c_str(), relative.c_str(), FNM_PATHNAME) == 0;
    });
}

// Whether a keep glob can match something below the directory `relative`: its leading components match
// those of relative, one by one, and it has more of them. Then the directory is searched, not removed
// whole.
bool keeps_inside(const PruneRules& rules, const std::string& relative) {
    const stdfs::path directory(relative);
    return std::any_of(rules.keep.begin(), rules.keep.end(), [&](const std::string& keep) {
        const stdfs::path pattern(keep);
        auto want = pattern.begin();
        for (const auto& component : directory) {
            if (want == pattern.end() || ::fnmatch(want->c_str(), component.c_str(), 0) != 0) return false;
            ++want;
        }
        return want != pattern.end();
    });
}

bool starts_with_parent(const stdfs::path& path) {
    return !path.empty() && *path.begin() == "..";
}

void count_and_remove(const stdfs::path& path, PruneResult& result) {
    std::error_code error;
    auto status = stdfs::symlink_status(path, error);
    if (error) return;
    if (stdfs::is_directory(status)) {
        for (const auto& entry : stdfs::recursive_directory_iterator(path, error)) {
            ++result.entries;
            if (entry.is_regular_file(error) && !entry.is_symlink(error))
                result.bytes += entry.file_size(error);
        }
    } else if (stdfs::is_regular_file(status)) {
        result.bytes += stdfs::file_size(path, error);
    }
    ++result.entries;
    fs::remove_tree(path);
}

// Removes relative (below root), keeping what rules.keep names inside a directory.
void remove_path(const stdfs::path& root, const std::string& relative, const PruneRules& rules,
                 PruneResult& result) {
    const stdfs::path path = root / relative;
    std::error_code error;
    auto status = stdfs::symlink_status(path, error);
    if (error || !stdfs::exists(status)) return;
    if (kept(rules, relative)) return;
    if (!stdfs::is_directory(status) || !keeps_inside(rules, relative)) {
        count_and_remove(path, result);
        return;
    }
    std::vector<std::string> children;
    for (const auto& entry : stdfs::directory_iterator(path))
        children.push_back(relative + "/" + entry.path().filename().string());
    for (const std::string& child : children) remove_path(root, child, rules, result);
    // Nothing kept was in it after all: the directory goes too.
    if (stdfs::is_empty(path, error) && !error) count_and_remove(path, result);
}

// The path must name something below root, reached without a symlink in between.
void check_inside(const stdfs::path& root, const std::string& relative) {
    stdfs::path normal = stdfs::path(relative).lexically_normal();
    if (relative.empty() || normal.is_absolute() || starts_with_parent(normal))
        fail("prune path '{}' is not inside the image root", relative);
    stdfs::path walk = root;
    for (auto it = normal.begin(); it != normal.end(); ++it) {
        if (std::next(it) == normal.end()) break;
        walk /= *it;
        std::error_code error;
        if (stdfs::is_symlink(walk, error))
            fail("prune path '{}' goes through the symlink {}", relative,
                 walk.lexically_relative(root).string());
    }
}

}  // namespace

PruneResult prune_tree(const stdfs::path& root, const PruneRules& rules) {
    PruneResult result;
    for (const std::string& path : rules.paths) {
        check_inside(root, path);
        remove_path(root, stdfs::path(path).lexically_normal().string(), rules, result);
    }
    if (rules.patterns.empty()) return result;
    std::vector<std::string> doomed;
    std::error_code error;
    for (auto it = stdfs::recursive_directory_iterator(root, error); !error && it != stdfs::end(it);
         it.increment(error)) {
        const std::string relative = it->path().lexically_relative(root).string();
        const bool hit = std::any_of(rules.patterns.begin(), rules.patterns.end(),
                                     [&](const std::string& pattern) { return matches(pattern, relative); });
        if (hit && !kept(rules, relative)) {
            doomed.push_back(relative);
            if (it->is_directory() && !it->is_symlink()) it.disable_recursion_pending();
        }
    }
    for (const std::string& relative : doomed) remove_path(root, relative, rules, result);
    return result;
}

PruneResult keep_only(const stdfs::path& root, const std::vector<std::string>& keep) {
    const PruneRules rules{{}, {}, keep};
    PruneResult result;
    std::vector<std::string> names;
    for (const auto& entry : stdfs::directory_iterator(root))
        names.push_back(entry.path().filename().string());
    for (const std::string& name : names) remove_path(root, name, rules, result);
    return result;
}

}  // namespace xbuild::image
