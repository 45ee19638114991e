#include <doctest/doctest.h>

#include "builder/core/error.hpp"
#include "builder/stage/apt_sources.hpp"

using namespace xbuild;
using namespace xbuild::stage;

TEST_SUITE("apt_sources") {
    TEST_CASE("one-line format with options and comments") {
        auto sources = parse_one_line_sources(
            "# comment\n"
            "deb-src http://src.example/debian bookworm main\n"
            "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main contrib # x\n"
            "deb http://security.example/debian-security bookworm-security main\n",
            "sources.list");
        REQUIRE(sources.size() == 2);
        CHECK(sources[0].uri == "http://mirror.example/debian/");
        CHECK(sources[0].suites == std::vector<std::string>{"bookworm"});
        CHECK(sources[0].components == std::vector<std::string>{"main", "contrib"});
        CHECK(sources[0].origin == "sources.list:3");
        CHECK(pick_mirror(sources, "x") == "http://mirror.example/debian");
    }

    TEST_CASE("deb822 format: security, disabled and third-party stanzas are skipped") {
        auto sources = parse_deb822_sources(
            "Types: deb\n"
            "URIs: http://security.example/debian-security\n"
            "Suites: bookworm-security\n"
            "Components: main\n"
            "\n"
            "Types: deb\n"
            "URIs: https://deb.example-vendor.com/node_20.x\n"
            "Suites: nodistro\n"
            "Components: main\n"
            "\n"
            "Types: deb deb-src\n"
            "URIs: http://off.example/debian\n"
            "Suites: trixie\n"
            "Components: main\n"
            "Enabled: no\n"
            "\n"
            "Types: deb\n"
            "# a comment line inside a stanza\n"
            "URIs: http://mirror.example/debian\n"
            "Suites: bookworm bookworm-updates\n"
            "Components: main\n",
            "debian.sources");
        REQUIRE(sources.size() == 3);
        CHECK(pick_mirror(sources, "x") == "http://mirror.example/debian");
    }

    TEST_CASE("no usable source is an error naming what was searched") {
        auto sources = parse_one_line_sources(
            "deb http://security.example/debian-security bookworm-security main\n", "sources.list");
        CHECK_THROWS_WITH_AS(pick_mirror(sources, "/etc/apt/sources.list"),
                             doctest::Contains("/etc/apt/sources.list"), Error);
    }

    TEST_CASE("--mirror wins over everything") {
        CHECK(resolve_mirror("http://cli.example/debian") == "http://cli.example/debian");
    }
}
