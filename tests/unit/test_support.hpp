#pragma once
// Small helpers shared by the unit tests.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace xbuild::test {

// doctest::Contains takes a doctest::String, which has no std::string constructor.
inline doctest::Contains contains(const std::string& text) {
    return doctest::Contains(text.c_str());
}

// Every entry below dir, sorted: "path 0644" for files, "path/ 0755" for directories, "path -> target"
// for symlinks.
inline std::vector<std::string> tree_with_modes(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string path = entry.path().lexically_relative(dir).generic_string();
        struct stat st {};
        REQUIRE(::lstat(entry.path().c_str(), &st) == 0);
        if (S_ISLNK(st.st_mode))
            out.push_back(path + " -> " + std::filesystem::read_symlink(entry.path()).string());
        else
            out.push_back(
                fmt::format("{}{} {:04o}", path, S_ISDIR(st.st_mode) ? "/" : "", st.st_mode & 07777));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace xbuild::test
