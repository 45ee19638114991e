#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "builder/core/fs.hpp"
#include "builder/sandbox/id_map.hpp"

using namespace xbuild;
using namespace xbuild::sandbox;

TEST_SUITE("sandbox id map") {
    TEST_CASE("subordinate ranges by name or uid") {
        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-idmap-");
        auto file = dir.path() / "subuid";
        std::ofstream(file) << "alice:100000:65536\n# comment\n1001:200000:1000\nbroken:x:1\nzero:5:0\n";
        auto alice = subordinate_range(file, 1000, "alice");
        REQUIRE(alice);
        CHECK(alice->start == 100000);
        CHECK(alice->count == 65536);
        auto by_uid = subordinate_range(file, 1001, "bob");
        REQUIRE(by_uid);
        CHECK(by_uid->start == 200000);
        CHECK_FALSE(subordinate_range(file, 1002, "broken"));
        CHECK_FALSE(subordinate_range(file, 1003, "zero"));
        CHECK_FALSE(subordinate_range(dir.path() / "missing", 1000, "alice"));
    }

    TEST_CASE("root keeps its ids") {
        IdMapping mapping = caller_id_mapping();
        CHECK(mapping.identity == (::geteuid() == 0));
        CHECK_FALSE(mapping.describe().empty());
    }
}
