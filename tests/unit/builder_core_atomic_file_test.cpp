#include <doctest/doctest.h>

#include <filesystem>

#include "builder/core/atomic_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::fs;
namespace stdfs = std::filesystem;

namespace {
int count_entries(const stdfs::path& dir) {
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : stdfs::directory_iterator(dir)) ++entries;
    return entries;
}
}  // namespace

TEST_SUITE("oci atomic_file") {
    TEST_CASE("the destination appears complete, only at commit") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-atomic-");
        const stdfs::path file = dir.path() / "image.tar";
        AtomicFile out = AtomicFile::next_to(file);
        CHECK(out.temp_path().parent_path() == dir.path());
        CHECK(out.temp_path().filename().string().starts_with("image.tar.tmp-"));
        out.write("part one, ");
        CHECK_FALSE(stdfs::exists(file));
        out.write("part two");
        CHECK(out.size() == 18);
        out.commit(file, 0640);
        CHECK(fs::read_file(file) == "part one, part two");
        CHECK((stdfs::status(file).permissions() & stdfs::perms::all) ==
              (stdfs::perms::owner_read | stdfs::perms::owner_write | stdfs::perms::group_read));
        CHECK(count_entries(dir.path()) == 1);
    }

    TEST_CASE("an uncommitted file is removed, the destination untouched") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-atomic-");
        const stdfs::path file = dir.path() / "out";
        fs::write_file_atomic(file, "old");
        {
            AtomicFile out = AtomicFile::next_to(file);
            out.write("new, but interrupted");
            AtomicFile moved = std::move(out);
        }
        CHECK(fs::read_file(file) == "old");
        CHECK(count_entries(dir.path()) == 1);
    }

    TEST_CASE("a symlink at the destination is replaced, not followed") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-atomic-");
        fs::write_file_atomic(dir.path() / "victim", "keep");
        stdfs::create_symlink(dir.path() / "victim", dir.path() / "out");
        AtomicFile out = AtomicFile::next_to(dir.path() / "out");
        out.write("new");
        out.commit(dir.path() / "out", 0644);
        CHECK_FALSE(stdfs::is_symlink(dir.path() / "out"));
        CHECK(fs::read_file(dir.path() / "out") == "new");
        CHECK(fs::read_file(dir.path() / "victim") == "keep");
    }

    TEST_CASE("errors name the directory") {
        CHECK_THROWS_WITH_AS(AtomicFile("/nonexistent/xbuild", "x"),
                             test::contains("failed to create a temporary file in /nonexistent/xbuild"),
                             Error);
    }
}
