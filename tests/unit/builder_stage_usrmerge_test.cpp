#include <doctest/doctest.h>

#include <filesystem>

#include "builder/core/fs.hpp"
#include "builder/stage/usrmerge.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;

TEST_SUITE("usrmerge") {
    TEST_CASE("top-level directories move into /usr and become symlinks") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-usrmerge-");
        const auto& root = dir.path();
        fs::make_dirs(root / "usr" / "lib" / "x86_64-linux-gnu");
        fs::make_dirs(root / "usr" / "bin");
        fs::make_dirs(root / "lib" / "x86_64-linux-gnu");
        fs::make_dirs(root / "sbin");
        fs::write_file_atomic(root / "lib" / "x86_64-linux-gnu" / "libfoo.so.1", "old-layout");
        fs::write_file_atomic(root / "usr" / "lib" / "x86_64-linux-gnu" / "libbar.so.1", "new-layout");
        fs::write_file_atomic(root / "lib" / "x86_64-linux-gnu" / "libbar.so.1", "duplicate");
        fs::write_file_atomic(root / "sbin" / "ldconfig", "tool");

        stage::merge_usr(root);

        CHECK(stdfs::is_symlink(root / "lib"));
        CHECK(stdfs::read_symlink(root / "lib") == "usr/lib");
        CHECK(stdfs::is_symlink(root / "bin"));
        CHECK(stdfs::is_symlink(root / "sbin"));
        CHECK(fs::read_file(root / "usr" / "lib" / "x86_64-linux-gnu" / "libfoo.so.1") == "old-layout");
        CHECK(fs::read_file(root / "usr" / "lib" / "x86_64-linux-gnu" / "libbar.so.1") == "new-layout");
        CHECK(fs::read_file(root / "usr" / "sbin" / "ldconfig") == "tool");
        CHECK(fs::read_file(root / "lib" / "x86_64-linux-gnu" / "libfoo.so.1") == "old-layout");
        CHECK_FALSE(stdfs::exists(root / "lib64"));  // no usr/lib64: no dangling link

        stage::merge_usr(root);  // idempotent
        CHECK(stdfs::is_symlink(root / "lib"));
    }
}
