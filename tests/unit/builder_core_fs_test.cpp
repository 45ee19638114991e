#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;

TEST_SUITE("fs") {
    TEST_CASE("write_file_atomic replaces the file and leaves no temp file") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-test-");
        auto file = dir.path() / "a.txt";
        fs::write_file_atomic(file, "one");
        fs::write_file_atomic(file, "two");
        CHECK(fs::read_file(file) == "two");
        int entries = 0;
        for ([[maybe_unused]] const auto& entry : stdfs::directory_iterator(dir.path())) ++entries;
        CHECK(entries == 1);
    }

    TEST_CASE("remove_tree removes read-only directories and does not follow symlinks") {
        fs::TempDir outside(stdfs::temp_directory_path(), "xbuild-fs-outside-");
        fs::write_file_atomic(outside.path() / "keep", "x");
        stdfs::path tree;
        {
            fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-tree-");
            tree = dir.path();
            fs::make_dirs(tree / "ro" / "sub");
            fs::write_file_atomic(tree / "ro" / "sub" / "f", "x");
            stdfs::create_directory_symlink(outside.path(), tree / "link");
            ::chmod((tree / "ro" / "sub").c_str(), 0555);
            ::chmod((tree / "ro").c_str(), 0555);
        }  // TempDir's destructor calls remove_tree
        CHECK_FALSE(stdfs::exists(tree));
        CHECK(stdfs::exists(outside.path() / "keep"));
    }

    TEST_CASE("read_file names the missing path") {
        try {
            fs::read_file("/nonexistent/xbuild");
            FAIL("no error");
        } catch (const Error& error) {
            CHECK(std::string(error.what()).find("/nonexistent/xbuild") != std::string::npos);
        }
    }
}
