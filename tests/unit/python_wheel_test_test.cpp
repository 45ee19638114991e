#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "python/wheel_compat.hpp"
#include "python/wheel_test.hpp"

using namespace xbuild;
using namespace xbuild::python;

namespace {

bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_SUITE("python wheel test") {
    TEST_CASE("pip's platforms for a target: every manylinux glibc up to the target's, then linux_<arch>") {
        auto arm = pip_platforms(arch_from_name("arm64"), "2.41");
        CHECK(arm.front() == "manylinux_2_41_aarch64");
        CHECK(arm.back() == "linux_aarch64");
        CHECK(has(arm, "manylinux_2_17_aarch64"));
        CHECK(has(arm, "manylinux2014_aarch64"));
        CHECK_FALSE(has(arm, "manylinux_2_42_aarch64"));
        CHECK_FALSE(has(arm, "manylinux_2_16_aarch64"));  // aarch64 starts at glibc 2.17
        CHECK_FALSE(has(arm, "manylinux2010_aarch64"));
        auto x86 = pip_platforms(arch_from_name("x86_64"), "2.31");
        CHECK(x86.front() == "manylinux_2_31_x86_64");
        CHECK(has(x86, "manylinux_2_5_x86_64"));
        CHECK(has(x86, "manylinux1_x86_64"));
        CHECK(has(x86, "manylinux2010_x86_64"));
        CHECK_FALSE(has(x86, "manylinux_2_32_x86_64"));
    }

    TEST_CASE(
        "each of them runs on the target by xbuild's own reading of packaging.tags, the next glibc does "
        "not") {
        for (const char* arch : {"arm64", "amd64", "armhf", "ppc64el", "s390x"}) {
            const Arch& target = arch_from_name(arch);
            ImagePython image{"3.13", arch, "2.36"};
            for (const std::string& platform : pip_platforms(target, "2.36"))
                CHECK_MESSAGE(check_tag("cp313-cp313-" + platform, image).compatible, platform);
            CHECK_FALSE(
                check_tag("cp313-cp313-manylinux_2_37_" + std::string(target.uname), image).compatible);
        }
    }
}
