#include "builder/toolchain/cross.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "builder/core/fs.hpp"

namespace xbuild::toolchain {

std::vector<std::string> cross_compiler_environment(const Arch& target) {
    const std::string triplet(target.gnu_triplet);
    return {
        "CC=" + triplet + "-gcc",
        "CXX=" + triplet + "-g++",
        "AR=" + triplet + "-ar",
        "RANLIB=" + triplet + "-ranlib",
        "STRIP=" + triplet + "-strip",
        "READELF=" + triplet + "-readelf",
        "PKG_CONFIG_LIBDIR=/usr/lib/" + triplet + "/pkgconfig:/usr/share/pkgconfig",
        "PKG_CONFIG_PATH=",
        fmt::format("CMAKE_TOOLCHAIN_FILE={}/toolchain.cmake", k_tools_dir),
        fmt::format("XBUILD_MESON_CROSS_FILE={}/meson-cross.ini", k_tools_dir),
    };
}

std::string cmake_toolchain_file(const Arch& target) {
    const std::string triplet(target.gnu_triplet);
    return fmt::format(
        "# Written by xbuild for a cross build to {arch}.\n"
        "set(CMAKE_SYSTEM_NAME Linux)\n"
        "set(CMAKE_SYSTEM_PROCESSOR {machine})\n"
        "set(CMAKE_C_COMPILER {triplet}-gcc)\n"
        "set(CMAKE_CXX_COMPILER {triplet}-g++)\n"
        "set(CMAKE_LIBRARY_ARCHITECTURE {triplet})\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)\n"
        "set(CMAKE_FIND_ROOT_PATH /usr/lib/{triplet} /usr)\n",
        fmt::arg("arch", target.debian), fmt::arg("machine", target.uname), fmt::arg("triplet", triplet));
}

std::string meson_cross_file(const Arch& target) {
    const std::string triplet(target.gnu_triplet);
    std::string family(target.uname == "armv7l" ? "arm" : target.uname == "i686" ? "x86" : target.uname);
    return fmt::format(
        "# Written by xbuild for a cross build to {arch}.\n"
        "[binaries]\n"
        "c = '{triplet}-gcc'\n"
        "cpp = '{triplet}-g++'\n"
        "ar = '{triplet}-ar'\n"
        "strip = '{triplet}-strip'\n"
        "pkg-config = 'pkg-config'\n"
        "\n[properties]\n"
        "pkg_config_libdir = ['/usr/lib/{triplet}/pkgconfig', '/usr/share/pkgconfig']\n"
        "\n[host_machine]\n"
        "system = 'linux'\n"
        "cpu_family = '{family}'\n"
        "cpu = '{machine}'\n"
        "endian = '{endian}'\n",
        fmt::arg("arch", target.debian), fmt::arg("triplet", triplet), fmt::arg("family", family),
        fmt::arg("machine", target.uname), fmt::arg("endian", target.little_endian ? "little" : "big"));
}

void write_cross_files(const std::filesystem::path& dir, const Arch& target) {
    fs::make_dirs(dir);
    fs::write_file_atomic(dir / "toolchain.cmake", cmake_toolchain_file(target));
    fs::write_file_atomic(dir / "meson-cross.ini", meson_cross_file(target));
}

}  // namespace xbuild::toolchain
