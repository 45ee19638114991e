#pragma once
// Small helpers shared by the unit tests.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace xbuild::test {

// Runs a shell command the test needs (a compiler); fails the test when it fails.
inline void sh(const std::string& command) {
    INFO(command);
    REQUIRE(std::system(command.c_str()) == 0);
}

// A shared library and an extension that needs it, compiled once per name by the host's gcc: what the
// orchestration tests put into stages and outputs. libc_free: -nostdlib (the extension needs only the
// library, so an image's closure check needs no libc).
struct NeedingPair {
    std::string library;    // the library file's bytes (soname library_soname)
    std::string extension;  // the extension's bytes (DT_NEEDED library_soname)
};
inline NeedingPair compile_needing_pair(const std::filesystem::path& dir, const std::string& soname,
                                        bool libc_free = false) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "lib.c") << "int lib_value(void) { return 42; }\n";
    std::ofstream(dir / "ext.c")
        << "extern int lib_value(void);\nint ext_value(void) { return lib_value(); }\n";
    const std::string flags = libc_free ? " -nostdlib" : "";
    sh("cd " + dir.string() + " && gcc -shared -fPIC" + flags + " -Wl,-soname," + soname + " -o " + soname +
       " lib.c && gcc -shared -fPIC" + flags + " -o ext.so ext.c -L. -l:" + soname);
    auto read = [](const std::filesystem::path& file) {
        std::ifstream in(file, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    return {read(dir / soname), read(dir / "ext.so")};
}

// A stage tree for x86_64 as Debian lays it out (merged /usr, the multiarch ld.so.conf.d file), with the
// library file named soname in it when library is not empty.
inline void make_stage_tree(const std::filesystem::path& root, const std::string& soname = "",
                            const std::string& library = "") {
    std::filesystem::create_directories(root / "usr/lib/x86_64-linux-gnu");
    std::filesystem::create_directories(root / "etc/ld.so.conf.d");
    std::filesystem::create_directory_symlink("usr/lib", root / "lib");
    std::ofstream(root / "etc/ld.so.conf.d/x86_64-linux-gnu.conf") << "/usr/lib/x86_64-linux-gnu\n";
    if (!library.empty())
        std::ofstream(root / "usr/lib/x86_64-linux-gnu" / soname, std::ios::binary) << library;
}

// The files below dir (none when it does not exist) whose name ends with suffix or starts with prefix.
inline std::vector<std::filesystem::path> files_below(const std::filesystem::path& dir,
                                                      const std::string& suffix,
                                                      const std::string& prefix = "\x01") {
    std::vector<std::filesystem::path> found;
    if (!std::filesystem::exists(dir)) return found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.ends_with(suffix) || name.starts_with(prefix)) found.push_back(entry.path());
    }
    return found;
}

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
