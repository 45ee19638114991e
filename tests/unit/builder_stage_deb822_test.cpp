#include <doctest/doctest.h>

#include "builder/stage/deb822.hpp"

using namespace xbuild::stage;

TEST_SUITE("deb822") {
    TEST_CASE("stanzas, lower-cased keys, continuation lines, comments and where each starts") {
        auto stanzas = parse_deb822(
            "# a comment before the first stanza\n"
            "Package: swig\n"
            "Architecture: amd64\n"
            "Tag: devel::compiler, devel::lang:c,\n"
            " implemented-in::c, interface::commandline\n"
            "Multi-Arch: foreign\n"
            "\n"
            "\n"
            "Package: cython3\r\n"
            "Depends: python3 (<< 3.14), python3:any\r\n");
        REQUIRE(stanzas.size() == 2);
        CHECK(stanzas[0].line == 1);
        CHECK(stanzas[0].get("Package") == "swig");
        CHECK(stanzas[0].get("multi-arch") == "foreign");
        CHECK(stanzas[0].get("TAG") ==
              "devel::compiler, devel::lang:c, implemented-in::c, interface::commandline");
        CHECK(stanzas[0].fields.front().first == "package");
        CHECK(stanzas[1].line == 9);
        CHECK(stanzas[1].get("package") == "cython3");
        CHECK(stanzas[1].get("depends") == "python3 (<< 3.14), python3:any");
        CHECK(stanzas[1].get("multi-arch").empty());
    }

    TEST_CASE("a repeated field gives its last value; lines without a colon are skipped") {
        auto stanzas = parse_deb822("Types: deb\nnot a field\nTypes: deb deb-src\n");
        REQUIRE(stanzas.size() == 1);
        CHECK(stanzas[0].get("types") == "deb deb-src");
        CHECK(stanzas[0].fields.size() == 2);
    }

    TEST_CASE("empty text and blank lines only give no stanza") {
        CHECK(parse_deb822("").empty());
        CHECK(parse_deb822("\n \n\t\n").empty());
    }
}
