// status_entry: the /var/lib/dpkg/status.d/<package> files of an image base, made from control
// paragraphs. (ensure_image_base needs mmdebstrap and the network: the e2e image tests cover it.)
#include <doctest/doctest.h>

#include <string>

#include "builder/core/error.hpp"
#include "image/image_base.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
using xbuild::test::contains;

TEST_SUITE("image base") {
    TEST_CASE("the Status line goes right after Package; every other line stays, in order") {
        CHECK(status_entry("Package: libc6\n"
                           "Source: glibc\n"
                           "Version: 2.41-12\n"
                           "Architecture: arm64\n"
                           "Depends: libgcc-s1\n"
                           "Description: GNU C Library: Shared libraries\n"
                           " Contains the standard libraries.\n"
                           " .\n"
                           " Package: not a field, a continuation line\n") ==
              "Package: libc6\n"
              "Status: install ok installed\n"
              "Source: glibc\n"
              "Version: 2.41-12\n"
              "Architecture: arm64\n"
              "Depends: libgcc-s1\n"
              "Description: GNU C Library: Shared libraries\n"
              " Contains the standard libraries.\n"
              " .\n"
              " Package: not a field, a continuation line\n");
        // Package need not come first; Package-Type is another field.
        CHECK(status_entry("Package-Type: deb\nSource: zlib\nPackage: zlib1g\nVersion: 1:1.3\n") ==
              "Package-Type: deb\nSource: zlib\nPackage: zlib1g\nStatus: install ok installed\nVersion: "
              "1:1.3\n");
    }

    TEST_CASE("a last line without a newline and CRLF line ends give LF lines") {
        CHECK(status_entry("Package: tzdata\nVersion: 2025b-1") ==
              "Package: tzdata\nStatus: install ok installed\nVersion: 2025b-1\n");
        CHECK(status_entry("Package: tzdata\r\nVersion: 2025b-1\r\n") ==
              "Package: tzdata\nStatus: install ok installed\nVersion: 2025b-1\n");
        CHECK(status_entry("Package: a") == "Package: a\nStatus: install ok installed\n");
    }

    TEST_CASE("only the first paragraph is taken") {
        CHECK(status_entry("Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n") ==
              "Package: a\nStatus: install ok installed\nVersion: 1\n");
        CHECK(status_entry("Package: a\nVersion: 1\n\n\n") ==
              "Package: a\nStatus: install ok installed\nVersion: 1\n");
    }

    TEST_CASE("a paragraph without a Package field is an error") {
        for (const std::string control :
             {"", "\n", "Version: 1\nArchitecture: all\n", "Package-Type: udeb\n", " Package: continuation\n",
              "Version: 1\n\nPackage: in-the-second-paragraph\n",
              "\nPackage: after-an-empty-first-paragraph\n"}) {
            INFO(control);
            CHECK_THROWS_WITH_AS(status_entry(control),
                                 contains("a control paragraph without a Package field"), Error);
        }
    }
}
