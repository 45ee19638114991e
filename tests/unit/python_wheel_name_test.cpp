#include <doctest/doctest.h>

#include "builder/core/error.hpp"
#include "python/wheel_name.hpp"

using namespace xbuild;
using namespace xbuild::python;

TEST_SUITE("wheel_name") {
    TEST_CASE("a compressed platform tag set parses and formats back") {
        const std::string file = "PyYAML-6.0.2-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl";
        WheelName name = parse_wheel_name(file);
        CHECK(name.distribution == "PyYAML");
        CHECK(name.version == "6.0.2");
        CHECK(name.build.empty());
        CHECK(name.python_tag == "cp313");
        CHECK(name.abi_tag == "cp313");
        CHECK(name.platform_tag == "manylinux_2_17_aarch64.manylinux2014_aarch64");
        CHECK(name.filename() == file);
        CHECK(name.tags() == std::vector<std::string>{"cp313-cp313-manylinux_2_17_aarch64",
                                                      "cp313-cp313-manylinux2014_aarch64"});
    }

    TEST_CASE("build tags, leading directories and every tag set expanded") {
        WheelName name = parse_wheel_name("dist/foo_bar-1.0.post1+local.2-12b-py2.py3-none-any.whl");
        CHECK(name.distribution == "foo_bar");
        CHECK(name.version == "1.0.post1+local.2");
        CHECK(name.build == "12b");
        CHECK(name.filename() == "foo_bar-1.0.post1+local.2-12b-py2.py3-none-any.whl");
        CHECK(name.tags() == std::vector<std::string>{"py2-none-any", "py3-none-any"});

        WheelName many = parse_wheel_name("x-1-cp312.cp313-abi3.none-linux_x86_64.whl");
        CHECK(many.tags() == std::vector<std::string>{"cp312-abi3-linux_x86_64", "cp312-none-linux_x86_64",
                                                      "cp313-abi3-linux_x86_64", "cp313-none-linux_x86_64"});
        WheelName repeated = parse_wheel_name("x-1-py3.py3-none-any.whl");
        CHECK(repeated.tags() == std::vector<std::string>{"py3-none-any"});
    }

    TEST_CASE("filename escapes the distribution and the version") {
        WheelName name{"my-pkg..name", "1.0-1", "", "cp313", "cp313", "linux_x86_64"};
        CHECK(name.filename() == "my_pkg_name-1.0_1-cp313-cp313-linux_x86_64.whl");
        CHECK(parse_wheel_name(name.filename()).distribution == "my_pkg_name");
        name.build = "2";
        CHECK(name.filename() == "my_pkg_name-1.0_1-2-cp313-cp313-linux_x86_64.whl");
        CHECK(escape_distribution("A-_.b") == "A_b");
        CHECK(normalize_name("Foo.Bar__baz-Qux") == "foo-bar-baz-qux");
        CHECK(normalize_name("PyYAML") == "pyyaml");
    }

    TEST_CASE("filename refuses components that would not parse") {
        WheelName name{"pkg", "1.0", "", "cp3-13", "none", "any"};
        CHECK_THROWS_WITH_AS(name.filename(), doctest::Contains("invalid python tag 'cp3-13'"), Error);
        name.python_tag = "py3";
        name.build = "x1";
        CHECK_THROWS_WITH_AS(name.filename(), doctest::Contains("invalid build tag 'x1'"), Error);
        name.build.clear();
        name.platform_tag.clear();
        CHECK_THROWS_WITH_AS(name.filename(), doctest::Contains("empty platform tag"), Error);
        CHECK_THROWS_AS((WheelName{"", "1", "", "py3", "none", "any"}.filename()), Error);
    }

    TEST_CASE("invalid names are refused with the name and the problem") {
        struct Case {
            const char* file;
            const char* message;
        };
        const Case cases[] = {
            {"foo-1.0-py3-none-any.zip", "not a wheel file name"},
            {".whl", "not a wheel file name"},
            {"foo-1.0.whl", "not a wheel file name"},
            {"foo-1.0-py3-none.whl", "not a wheel file name"},
            {"foo-1.0-1-2-py3-none-any.whl", "not a wheel file name"},
            {"foo-1.0-x1-py3-none-any.whl", "invalid build tag 'x1'"},
            {"foo-1.0--py3-none-any.whl", "empty build tag"},
            {"foo-1.0-py3--any.whl", "empty abi tag"},
            {"foo-1.0-py3.-none-any.whl", "invalid python tag 'py3.'"},
            {"foo-1.0-py3-none-linux x86.whl", "invalid platform tag"},
            {"f$o-1.0-py3-none-any.whl", "invalid distribution name 'f$o'"},
            {"_foo-1.0-py3-none-any.whl", "invalid distribution name '_foo'"},
            {"foo-1.0/2-py3-none-any.whl", "not a wheel file name"},
            {"foo-.1-py3-none-any.whl", "invalid version '.1'"},
            {"-1.0-py3-none-any.whl", "empty distribution name"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.file);
            CHECK_THROWS_WITH_AS(parse_wheel_name(c.file), doctest::Contains(c.message), Error);
        }
        CHECK_THROWS_WITH_AS(parse_wheel_name("dist/foo.whl"), doctest::Contains("dist/foo.whl: "), Error);
    }
    TEST_CASE("a compressed tag set expands to every combination, in order") {
        CHECK(expanded_tags(
                  parse_wheel_name("foo-1.0-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl")) ==
              std::vector<std::string>{"cp313-cp313-manylinux_2_17_aarch64",
                                       "cp313-cp313-manylinux2014_aarch64"});
        CHECK(expanded_tags(parse_wheel_name("foo-1.0-py2.py3-none-any.whl")) ==
              std::vector<std::string>{"py2-none-any", "py3-none-any"});
        CHECK(expanded_tags(parse_wheel_name("foo-1.0-cp39.cp310-abi3.none-linux_x86_64.whl")).size() == 4);
    }
}
