#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "builder/core/arch.hpp"
#include "builder/core/fs.hpp"
#include "builder/toolchain/cross.hpp"

using namespace xbuild;
using namespace xbuild::toolchain;

TEST_SUITE("toolchain cross") {
    TEST_CASE("the environment names the target triplet's tools and the cross files") {
        auto env = cross_compiler_environment(arch_from_name("arm64"));
        auto has = [&](const std::string& entry) {
            return std::find(env.begin(), env.end(), entry) != env.end();
        };
        CHECK(has("CC=aarch64-linux-gnu-gcc"));
        CHECK(has("CXX=aarch64-linux-gnu-g++"));
        CHECK(has("AR=aarch64-linux-gnu-ar"));
        CHECK(has("STRIP=aarch64-linux-gnu-strip"));
        CHECK(has("PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig"));
        CHECK(has("PKG_CONFIG_PATH="));
        CHECK(has("CMAKE_TOOLCHAIN_FILE=/xbuild/toolchain.cmake"));
        CHECK(has("XBUILD_MESON_CROSS_FILE=/xbuild/meson-cross.ini"));
    }

    TEST_CASE("the CMake toolchain file and the meson cross file describe the target") {
        const Arch& arm64 = arch_from_name("aarch64");
        std::string cmake = cmake_toolchain_file(arm64);
        CHECK(cmake.find("set(CMAKE_SYSTEM_PROCESSOR aarch64)") != std::string::npos);
        CHECK(cmake.find("set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)") != std::string::npos);
        CHECK(cmake.find("set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)") != std::string::npos);
        std::string meson = meson_cross_file(arch_from_name("armhf"));
        CHECK(meson.find("c = 'arm-linux-gnueabihf-gcc'") != std::string::npos);
        CHECK(meson.find("cpu_family = 'arm'") != std::string::npos);
        CHECK(meson_cross_file(arch_from_name("s390x")).find("endian = 'big'") != std::string::npos);

        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-cross-test-");
        write_cross_files(dir.path() / "tools", arm64);
        CHECK(fs::read_file(dir.path() / "tools/toolchain.cmake") == cmake);
        CHECK(fs::read_file(dir.path() / "tools/meson-cross.ini") == meson_cross_file(arm64));
    }
}
