#include <doctest/doctest.h>
#include <stdlib.h>

#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"

using namespace xbuild;

TEST_SUITE("env_override") {
    TEST_CASE("set (even empty) overrides; lists split on commas and spaces; assignments are checked") {
        ::unsetenv("XBUILD_UNIT_OVERRIDE");
        CHECK_FALSE(env_override::value("XBUILD_UNIT_OVERRIDE"));
        CHECK_FALSE(env_override::list("XBUILD_UNIT_OVERRIDE"));
        ::setenv("XBUILD_UNIT_OVERRIDE", "", 1);
        CHECK(env_override::value("XBUILD_UNIT_OVERRIDE") == std::string());
        CHECK(env_override::list("XBUILD_UNIT_OVERRIDE")->empty());
        ::setenv("XBUILD_UNIT_OVERRIDE", "x86_64, arm64 armhf", 1);
        CHECK(*env_override::list("XBUILD_UNIT_OVERRIDE") ==
              std::vector<std::string>{"x86_64", "arm64", "armhf"});
        ::setenv("XBUILD_UNIT_OVERRIDE", "A=1 B=two", 1);
        CHECK(*env_override::assignments("XBUILD_UNIT_OVERRIDE") == std::vector<std::string>{"A=1", "B=two"});
        for (const char* bad : {"A=1 NOVALUE", "=1"}) {
            ::setenv("XBUILD_UNIT_OVERRIDE", bad, 1);
            CHECK_THROWS_WITH_AS(env_override::assignments("XBUILD_UNIT_OVERRIDE"),
                                 doctest::Contains("XBUILD_UNIT_OVERRIDE: '"), Error);
        }
        ::unsetenv("XBUILD_UNIT_OVERRIDE");
    }
}
