#include <doctest/doctest.h>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"

using namespace xbuild;
using namespace std::chrono_literals;

TEST_SUITE("duration") {
    TEST_CASE("units") {
        CHECK(parse_duration("90s") == 90s);
        CHECK(parse_duration("15m") == 15min);
        CHECK(parse_duration("12h") == 12h);
        CHECK(parse_duration("7d") == 168h);
        CHECK(parse_duration("2w") == 336h);
        CHECK(parse_duration("3") == 72h);
    }

    TEST_CASE("bad input") {
        CHECK_THROWS_AS(parse_duration(""), Error);
        CHECK_THROWS_AS(parse_duration("d"), Error);
        CHECK_THROWS_AS(parse_duration("7y"), Error);
        CHECK_THROWS_AS(parse_duration("-1d"), Error);
        CHECK_THROWS_AS(parse_duration("7dd"), Error);
    }

    TEST_CASE("formatting") {
        CHECK(format_elapsed(340ms) == "340ms");
        CHECK(format_elapsed(1500ms) == "1.5s");
        CHECK(format_elapsed(185s) == "3m05s");
        CHECK(format_seconds(0.25) == "250ms");
        CHECK(format_seconds(61.0) == "1m01s");
        CHECK(format_bytes(512) == "512B");
        CHECK(format_bytes(3 * 1024 * 1024) == "3.0M");
    }
}
