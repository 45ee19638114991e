#include <doctest/doctest.h>

#include <filesystem>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/mapped_file.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;

TEST_SUITE("mapped_file") {
    TEST_CASE("a mapped file: its bytes, empty files, errors naming the path") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-mapped-test-");
        fs::write_file_atomic(dir.path() / "f", "mapped bytes");
        fs::MappedFile mapped(dir.path() / "f");
        CHECK(mapped.bytes() == "mapped bytes");
        fs::MappedFile moved(std::move(mapped));
        CHECK(moved.bytes() == "mapped bytes");
        CHECK(mapped.bytes().empty());
        fs::write_file_atomic(dir.path() / "empty", "");
        CHECK(fs::MappedFile(dir.path() / "empty").bytes().empty());
        CHECK_THROWS_WITH_AS(fs::MappedFile(dir.path() / "missing"), doctest::Contains("missing"), Error);
        CHECK_THROWS_WITH_AS(fs::MappedFile(dir.path()), doctest::Contains("not a regular file"), Error);
    }
}
