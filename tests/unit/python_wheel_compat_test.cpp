#include <doctest/doctest.h>

#include <string>

#include "builder/core/error.hpp"
#include "python/wheel_compat.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
using xbuild::test::contains;

namespace {

const ImagePython k_image{"3.13", "aarch64", "2.41"};

// The reason check_tag gives, "" when the tag runs on image.
std::string why_not(const std::string& tag, const ImagePython& image = k_image) {
    TagCheck check = check_tag(tag, image);
    CHECK(check.compatible == check.reason.empty());
    return check.reason;
}

}  // namespace

TEST_SUITE("wheel_compat") {
    TEST_CASE("python3_minor reads X.Y versions and python tags of Python 3 only") {
        CHECK(python3_minor("3.13") == 13u);
        CHECK(python3_minor("3.9") == 9u);
        CHECK(python3_minor("cp39") == 9u);
        CHECK(python3_minor("cp315") == 15u);
        CHECK(python3_minor("py3") == std::nullopt);
        CHECK(python3_minor("2.7") == std::nullopt);
        CHECK(python3_minor("cp27") == std::nullopt);
        CHECK(python3_minor("3.x") == std::nullopt);
        CHECK(python3_minor("") == std::nullopt);
    }

    TEST_CASE("CPython: the image's cpXY, abi3 of older or equal versions, cpXY-none") {
        CHECK(why_not("cp313-cp313-manylinux_2_17_aarch64") == "");
        CHECK(why_not("cp313-abi3-linux_aarch64") == "");
        CHECK(why_not("cp39-abi3-manylinux_2_17_aarch64") == "");
        CHECK(why_not("cp313-none-any") == "");
        CHECK(why_not("cp311-cp311-manylinux_2_17_aarch64") ==
              "cp311-cp311-manylinux_2_17_aarch64 is for CPython 3.11, the image has CPython 3.13");
        CHECK(why_not("cp314-cp314-manylinux_2_17_aarch64") ==
              "cp314-cp314-manylinux_2_17_aarch64 is for CPython 3.14, the image has CPython 3.13");
        CHECK(why_not("cp314-abi3-manylinux_2_17_aarch64") ==
              "cp314-abi3-manylinux_2_17_aarch64 needs CPython 3.14 or newer (abi3), the image has CPython "
              "3.13");
        CHECK(why_not("cp312-none-any") == "cp312-none-any is for CPython 3.12, the image has CPython 3.13");
        CHECK(why_not("cp313-cp313t-linux_aarch64") ==
              "cp313-cp313t-linux_aarch64 is for the 'cp313t' ABI, the image has CPython 3.13 with ABI "
              "'cp313'");
        CHECK(why_not("cp313-cp311-linux_aarch64") != "");
        CHECK(why_not("cp3-none-any") == "cp3-none-any is for CPython 3, the image has CPython 3.13");
        CHECK(why_not("pp310-pypy310_pp73-manylinux_2_17_aarch64") ==
              "pp310-pypy310_pp73-manylinux_2_17_aarch64 is for another Python implementation ('pp310'), the "
              "image has CPython 3.13");
        CHECK(why_not("cp310-cp310-any", {"3.10", "arm64", "2.36"}) == "");  // two-digit minor versions
    }

    TEST_CASE("generic Python tags: py3 and py3Y up to the image's version, ABI none only") {
        CHECK(why_not("py3-none-any") == "");
        CHECK(why_not("py313-none-any") == "");
        CHECK(why_not("py38-none-any") == "");
        CHECK(why_not("py3-none-manylinux_2_17_aarch64") == "");
        CHECK(why_not("py2-none-any") == "py2-none-any is for Python 2, the image has CPython 3.13");
        CHECK(why_not("py314-none-any") == "py314-none-any is for Python 3.14, the image has CPython 3.13");
        CHECK(why_not("py3-abi3-any") ==
              "py3-abi3-any has ABI 'abi3' with a generic Python tag, the image has CPython 3.13");
    }

    TEST_CASE("platforms: any, linux and manylinux of the image's arch and glibc, never musllinux") {
        CHECK(why_not("py3-none-linux_aarch64") == "");
        CHECK(why_not("py3-none-manylinux_2_41_aarch64") == "");
        CHECK(why_not("py3-none-manylinux2014_aarch64") == "");
        CHECK(why_not("py3-none-manylinux_2_17_aarch64", {"3.13", "arm64", "2.41"}) == "");
        CHECK(why_not("py3-none-linux_x86_64") ==
              "py3-none-linux_x86_64 is for x86_64, the image is aarch64 with glibc 2.41");
        CHECK(why_not("py3-none-manylinux_2_17_x86_64") ==
              "py3-none-manylinux_2_17_x86_64 is for x86_64, the image is aarch64 with glibc 2.41");
        CHECK(why_not("py3-none-manylinux1_x86_64") ==
              "py3-none-manylinux1_x86_64 is for x86_64, the image is aarch64 with glibc 2.41");
        CHECK(why_not("py3-none-manylinux_2_42_aarch64") ==
              "py3-none-manylinux_2_42_aarch64 needs glibc 2.42, the image is aarch64 with glibc 2.41");
        CHECK(why_not("py3-none-manylinux_3_0_aarch64") != "");
        CHECK(why_not("py3-none-manylinux2014_x86_64", {"3.13", "amd64", "2.12"}) ==
              "py3-none-manylinux2014_x86_64 needs glibc 2.17, the image is x86_64 with glibc 2.12");
        CHECK(why_not("py3-none-manylinux2010_x86_64", {"3.13", "amd64", "2.12"}) == "");
        CHECK(why_not("py3-none-musllinux_1_2_aarch64") ==
              "py3-none-musllinux_1_2_aarch64 is for musl libc 1.2, the image is aarch64 with glibc 2.41");
        CHECK(
            why_not("py3-none-win_amd64") ==
            "py3-none-win_amd64 is for another platform ('win_amd64'), the image is aarch64 with glibc 2.41");
        CHECK(why_not("py3-none-macosx_11_0_arm64") != "");
        CHECK(why_not("py3-none-manylinux_2_aarch64") != "");
        CHECK(why_not("cp313-cp313-manylinux_2_17_armv7l", {"3.13", "armhf", "2.41"}) == "");
    }

    TEST_CASE("a tag that is not python-abi-platform is incompatible, not an error") {
        CHECK(why_not("cp313-cp313") == "'cp313-cp313' is not a python-abi-platform tag");
        CHECK(why_not("cp313--any") != "");
    }

    TEST_CASE("an invalid image is an error") {
        CHECK_THROWS_WITH_AS(check_tag("py3-none-any", {"3", "aarch64", "2.41"}),
                             contains("invalid image Python version '3'"), Error);
        CHECK_THROWS_WITH_AS(check_tag("py3-none-any", {"2.7", "aarch64", "2.41"}),
                             contains("invalid image Python version '2.7'"), Error);
        CHECK_THROWS_WITH_AS(check_tag("py3-none-any", {"3.13", "aarch64", "musl"}),
                             contains("invalid image glibc version 'musl'"), Error);
        CHECK_THROWS_WITH_AS(check_tag("py3-none-any", {"3.13", "", "2.41"}),
                             contains("no image architecture given"), Error);
        CHECK_THROWS_WITH_AS(check_tag("py3-none-any", {"3.13", "sparc", "2.41"}),
                             contains("unknown architecture 'sparc'"), Error);
        CHECK(ImagePython{"3.13", "arm64", "2.41"}.describe() == "CPython 3.13, aarch64, glibc 2.41");
    }

    TEST_CASE("compatible_tag: the first tag of the wheel's set that runs, else every reason") {
        WheelName yaml = parse_wheel_name(
            "PyYAML-6.0.2-cp313-cp313-manylinux_2_17_x86_64.manylinux_2_17_aarch64.manylinux2014_aarch64."
            "whl");
        CHECK(compatible_tag(yaml, k_image) == "cp313-cp313-manylinux_2_17_aarch64");
        WheelName old = parse_wheel_name("PyYAML-6.0.2-cp311-cp311-musllinux_1_1_aarch64.linux_x86_64.whl");
        CHECK_THROWS_WITH_AS(
            compatible_tag(old, k_image),
            "PyYAML-6.0.2-cp311-cp311-musllinux_1_1_aarch64.linux_x86_64.whl does not run on the image "
            "(CPython "
            "3.13, aarch64, glibc 2.41): cp311-cp311-musllinux_1_1_aarch64 is for CPython 3.11, the image "
            "has "
            "CPython 3.13; cp311-cp311-linux_x86_64 is for CPython 3.11, the image has CPython 3.13",
            Error);
    }
}
