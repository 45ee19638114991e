#include <doctest/doctest.h>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "node/prebuild_layout.hpp"

using namespace xbuild;
using namespace xbuild::node;

TEST_SUITE("node prebuild layout") {
    TEST_CASE("platform directories use Node's arch names") {
        CHECK(platform_dir(arch_from_name("x86_64")) == "linux-x64");
        CHECK(platform_dir(arch_from_name("aarch64")) == "linux-arm64");
        CHECK(platform_dir(arch_from_name("armhf")) == "linux-arm");
        CHECK(platform_dir(arch_from_name("i386")) == "linux-ia32");
    }

    TEST_CASE("file names carry the napi or abi tag, armv7 on 32-bit arm, and the libc") {
        CHECK(prebuild_file_name("bufferutil", arch_from_name("arm64"), {}) == "bufferutil.napi.glibc.node");
        CHECK(prebuild_file_name("bufferutil", arch_from_name("x64"), {115, "glibc"}) ==
              "bufferutil.abi115.glibc.node");
        CHECK(prebuild_file_name("addon", arch_from_name("armhf"), {}) == "addon.napi.armv7.glibc.node");
        CHECK(prebuild_file_name("addon", arch_from_name("x64"), {0, "musl"}) == "addon.napi.musl.node");
        // A dot would make node-gyp-build read the rest as tags.
        CHECK_THROWS_AS(prebuild_file_name("a.b", arch_from_name("x64"), {}), Error);
        CHECK_THROWS_AS(prebuild_file_name("", arch_from_name("x64"), {}), Error);
    }
}
