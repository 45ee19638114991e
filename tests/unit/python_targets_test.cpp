#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "python/targets.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;

namespace {

using xbuild::test::contains;

using Strings = std::vector<std::string>;

Strings build_ids(const std::vector<WheelTarget>& targets) {
    Strings ids;
    for (const WheelTarget& target : targets) ids.push_back(target.build_id());
    return ids;
}

WheelConfig config(Strings archs, Strings pythons, Strings skip = {}) {
    WheelConfig config;
    config.archs = std::move(archs);
    config.pythons = std::move(pythons);
    config.skip = std::move(skip);
    return config;
}

}  // namespace

TEST_SUITE("python targets") {
    TEST_CASE("tags and build ids") {
        WheelTarget target{&arch_from_name("arm64"), "3.13", "trixie", false};
        CHECK(target.cp_tag() == "cp313");
        CHECK(target.build_id() == "cp313-manylinux_aarch64");
        WheelTarget old{&arch_from_name("amd64"), "3.9", "bullseye", false};
        CHECK(old.cp_tag() == "cp39");
        CHECK(old.build_id() == "cp39-manylinux_x86_64");
        WheelTarget armhf{&arch_from_name("armhf"), "3.11", "bookworm", false};
        CHECK(armhf.build_id() == "cp311-manylinux_armv7l");
    }

    TEST_CASE("each Python comes from the suite that ships it") {
        CHECK(suite_for_python("3.9") == "bullseye");
        CHECK(suite_for_python("3.11") == "bookworm");
        CHECK(suite_for_python("3.13") == "trixie");
        CHECK(suite_for_python("3.14") == "forky");
        CHECK(suite_for_python("3.15") == "forky");
        CHECK(default_python() == "3.13");
        CHECK_THROWS_WITH_AS(suite_for_python("3.12"),
                             contains("unsupported Python '3.12' (known: 3.9, 3.11, 3.13, 3.14, 3.15;"),
                             Error);
        CHECK_THROWS_WITH_AS(suite_for_python("3"), contains("unsupported Python '3'"), Error);
    }

    TEST_CASE("matches_selector is fnmatch on the build id") {
        CHECK(matches_selector("cp311-manylinux_x86_64", "cp311-*"));
        CHECK_FALSE(matches_selector("cp313-manylinux_x86_64", "cp311-*"));
        CHECK(matches_selector("cp313-manylinux_aarch64", "*_aarch64"));
        CHECK(matches_selector("cp313-manylinux_aarch64", "*-manylinux_aarch64"));
        CHECK_FALSE(matches_selector("cp313-manylinux_x86_64", "*_aarch64"));
        // cibuildwheel's ids join platform and arch with '_': "*-aarch64" matches nothing.
        CHECK_FALSE(matches_selector("cp313-manylinux_aarch64", "*-aarch64"));
        CHECK(matches_selector("cp313-manylinux_x86_64", "cp313-manylinux_x86_64"));
        CHECK_FALSE(matches_selector("cp313-manylinux_x86_64", "cp313-manylinux_x86"));
        CHECK(matches_selector("cp39-manylinux_x86_64", "cp3?-*"));
        CHECK_FALSE(matches_selector("cp313-manylinux_x86_64", "cp3?-*"));
        CHECK(matches_selector("cp311-manylinux_aarch64", "cp31[13]-*"));
        CHECK(matches_selector("cp39-manylinux_x86_64", "*"));
    }

    TEST_CASE("archs × pythons, Pythons outermost, with suites and build ids") {
        auto targets = plan_targets(config({"x86_64", "arm64"}, {"3.9", "3.11", "3.13"}), false);
        CHECK(build_ids(targets) == Strings{"cp39-manylinux_x86_64", "cp39-manylinux_aarch64",
                                            "cp311-manylinux_x86_64", "cp311-manylinux_aarch64",
                                            "cp313-manylinux_x86_64", "cp313-manylinux_aarch64"});
        REQUIRE(targets.size() == 6);
        CHECK(targets[0].suite == "bullseye");
        CHECK(targets[0].python == "3.9");
        CHECK(targets[0].arch == &arch_from_name("amd64"));
        CHECK(targets[3].suite == "bookworm");
        CHECK(targets[3].arch == &arch_from_name("aarch64"));
        CHECK(targets[5].suite == "trixie");
        CHECK(targets[5].python == "3.13");
        for (const WheelTarget& target : targets) CHECK_FALSE(target.emulate);
    }

    TEST_CASE("arch spellings are merged") {
        auto targets = plan_targets(config({"arm64", "aarch64", "x64", "amd64"}, {"3.13"}), false);
        CHECK(build_ids(targets) == Strings{"cp313-manylinux_aarch64", "cp313-manylinux_x86_64"});
    }

    TEST_CASE("a Python named twice is planned once") {
        auto targets = plan_targets(config({"arm64"}, {"3.13", "3.11", "3.13"}), false);
        CHECK(build_ids(targets) == Strings{"cp313-manylinux_aarch64", "cp311-manylinux_aarch64"});
    }

    TEST_CASE("defaults: the host arch and every Python requires-python allows, oldest first") {
        auto targets = plan_targets(WheelConfig{}, false);
        REQUIRE(targets.size() == 5);
        CHECK(targets[0].arch == &host_arch());
        CHECK(targets[0].python == "3.9");
        CHECK(targets[0].suite == "bullseye");
        CHECK(targets[2].build_id() == "cp313-manylinux_" + std::string(host_arch().uname));
        CHECK(targets[4].python == "3.15");
        CHECK(targets[0].floor->name == "2_31");
        WheelConfig limited;
        limited.requires_python = ">=3.10, !=3.14.*";
        limited.requires_python_where = "pyproject.toml: [project] requires-python";
        CHECK(default_pythons(limited) == Strings{"3.11", "3.13", "3.15"});
        limited.requires_python = "~=3.11.0";
        CHECK(default_pythons(limited) == Strings{"3.11"});
        limited.requires_python = "<3.10";
        CHECK(default_pythons(limited) == Strings{"3.9"});
        limited.requires_python = ">=4";
        CHECK_THROWS_WITH_AS(default_pythons(limited),
                             contains("requires-python: '>=4' allows none of the Pythons Debian serves"),
                             Error);
        limited.requires_python = ">=three";
        CHECK_THROWS_WITH_AS(default_pythons(limited), contains("'>=three' is not a version specifier"),
                             Error);
        limited.manylinux = "2_36";
        limited.pythons = {"3.13"};
        CHECK(plan_targets(limited, false)[0].floor->suite == "bookworm");
    }

    TEST_CASE("emulate applies to foreign archs only") {
        const Arch& foreign =
            host_arch().debian == "arm64" ? arch_from_name("amd64") : arch_from_name("arm64");
        auto targets = plan_targets(
            config({std::string(host_arch().debian), std::string(foreign.debian)}, {"3.13"}), true);
        REQUIRE(targets.size() == 2);
        CHECK(targets[0].arch == &host_arch());
        CHECK_FALSE(targets[0].emulate);
        CHECK(targets[1].arch == &foreign);
        CHECK(targets[1].emulate);
    }

    TEST_CASE("skip selectors remove build ids") {
        CHECK(build_ids(plan_targets(config({"x86_64", "arm64"}, {"3.11", "3.13"}, {"cp311-*"}), false)) ==
              Strings{"cp313-manylinux_x86_64", "cp313-manylinux_aarch64"});
        CHECK(build_ids(plan_targets(config({"x86_64", "arm64"}, {"3.11", "3.13"}, {"*_aarch64"}), false)) ==
              Strings{"cp311-manylinux_x86_64", "cp313-manylinux_x86_64"});
        CHECK(build_ids(plan_targets(config({"x86_64", "arm64"}, {"3.11", "3.13"}, {"cp311-*", "*_aarch64"}),
                                     false)) == Strings{"cp313-manylinux_x86_64"});
        // A selector that matches nothing skips nothing.
        CHECK(build_ids(plan_targets(config({"arm64"}, {"3.13"}, {"cp39-*"}), false)) ==
              Strings{"cp313-manylinux_aarch64"});
    }

    TEST_CASE("everything skipped is an error naming the selectors") {
        CHECK_THROWS_WITH_AS(
            plan_targets(config({"x86_64", "arm64"}, {"3.13"}, {"*_x86_64", "*_aarch64"}), false),
            contains("nothing to build: no build id is selected (build = *, skip = *_x86_64 *_aarch64)"),
            Error);
        CHECK_THROWS_WITH_AS(plan_targets(config({"arm64"}, {"3.9"}, {"*"}), false), contains("skip = *)"),
                             Error);
        WheelConfig only_pypy = config({"arm64"}, {"3.13"}, {});
        only_pypy.build = {"pp*"};
        CHECK_THROWS_WITH_AS(plan_targets(only_pypy, false), contains("(build = pp*, skip = )"), Error);
    }

    TEST_CASE("unknown archs and Pythons are errors naming them") {
        CHECK_THROWS_WITH_AS(plan_targets(config({"x86_64", "sparc64"}, {"3.13"}), false),
                             contains("unknown architecture 'sparc64' (known: amd64, arm64,"), Error);
        CHECK_THROWS_WITH_AS(plan_targets(config({"x86_64"}, {"3.13", "2.7"}), false),
                             contains("unsupported Python '2.7'"), Error);
    }

    TEST_CASE("--only: one build id, whatever archs, pythons and skip say; bad ids are errors naming them") {
        WheelConfig skipping = config({"x86_64"}, {"3.11"}, {"cp313-*"});
        const WheelTarget target = only_target(skipping, "cp313-manylinux_aarch64", true);
        CHECK(target.build_id() == "cp313-manylinux_aarch64");
        CHECK(target.suite == "trixie");
        CHECK(target.emulate == (target.arch != &host_arch()));
        CHECK(target.floor->name == "2_31");
        CHECK_THROWS_WITH_AS(only_target(skipping, "pp310-manylinux_x86_64", false),
                             contains("--only pp310-manylinux_x86_64: not a build id xbuild makes"), Error);
        CHECK_THROWS_WITH_AS(only_target(skipping, "cp313-musllinux_x86_64", false),
                             contains("not a build id xbuild makes"), Error);
        CHECK_THROWS_WITH_AS(only_target(skipping, "cp313-manylinux_sparc64", false),
                             contains("--only cp313-manylinux_sparc64: unknown machine 'sparc64'"), Error);
        CHECK_THROWS_WITH_AS(only_target(skipping, "cp327-manylinux_x86_64", false),
                             contains("unsupported Python '3.27'"), Error);
        WheelConfig limited;
        limited.requires_python = ">=3.11";
        limited.requires_python_where = "pyproject.toml: [project] requires-python";
        CHECK_THROWS_WITH_AS(
            only_target(limited, "cp39-manylinux_x86_64", false),
            contains("--only cp39-manylinux_x86_64: pyproject.toml: [project] requires-python "
                     "'>=3.11' does not allow Python 3.9"),
            Error);
    }
}
