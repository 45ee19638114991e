#include <doctest/doctest.h>

#include "builder/core/error.hpp"
#include "builder/stage/stage.hpp"

using namespace xbuild;
using namespace xbuild::stage;

namespace {
StageSpec sample() {
    StageSpec spec;
    spec.suite = "trixie";
    spec.arch = &arch_from_name("amd64");
    spec.target = &arch_from_name("arm64");
    spec.kind = StageKind::toolchain;
    spec.packages = {"build-essential", "crossbuild-essential-arm64"};
    spec.mirror = "http://mirror.example/debian";
    return spec;
}
}  // namespace

TEST_SUITE("stage") {
    TEST_CASE("the key is stable and ignores package order and duplicates") {
        StageSpec a = sample();
        StageSpec b = sample();
        b.packages = {"crossbuild-essential-arm64", "build-essential", "build-essential"};
        CHECK(a.key() == b.key());
        CHECK(a.key().size() == 24);
    }

    TEST_CASE("every input changes the key") {
        const std::string base = sample().key();
        StageSpec s = sample();
        s.suite = "bookworm";
        CHECK(s.key() != base);
        s = sample();
        s.arch = &arch_from_name("arm64");
        CHECK(s.key() != base);
        s = sample();
        s.target = &arch_from_name("amd64");
        CHECK(s.key() != base);
        s = sample();
        s.kind = StageKind::runtime;
        CHECK(s.key() != base);
        s = sample();
        s.packages.push_back("libyaml-dev:arm64");
        CHECK(s.key() != base);
        s = sample();
        s.mirror = "http://other.example/debian";
        CHECK(s.key() != base);
    }

    TEST_CASE("package names") {
        check_package_name("libyaml-dev");
        check_package_name("libyaml-dev:arm64");
        check_package_name("g++");
        CHECK_THROWS_AS(check_package_name("x; rm -rf /"), Error);
        CHECK_THROWS_AS(check_package_name("Foo"), Error);
        CHECK_THROWS_AS(check_package_name("foo:"), Error);
        CHECK_THROWS_AS(check_package_name(""), Error);
    }

    TEST_CASE("descriptions and suites") {
        CHECK(sample().describe() == "trixie/amd64→arm64 toolchain");
        check_suite("bookworm");
        CHECK_THROWS_WITH_AS(check_suite("buster"), doctest::Contains("unknown suite 'buster'"), Error);
        CHECK_THROWS_AS(kind_from_name("builder"), Error);
    }
}
