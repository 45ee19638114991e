// Which package gives an image a missing library: the one the program was linked against when several
// ship the soname, else the first.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "image/closure_packages.hpp"

using namespace xbuild::image;

TEST_SUITE("closure packages") {
    TEST_CASE("the linked package wins, else the first provider, else none") {
        CHECK(choose_provider({"libcurl3t64-gnutls", "libcurl4t64"}, {"libc6", "libcurl4t64"}) ==
              "libcurl4t64");
        CHECK(choose_provider({"libyaml-0-2"}, {}) == "libyaml-0-2");
        CHECK(choose_provider({}, {"libyaml-0-2"}).empty());
    }
}
