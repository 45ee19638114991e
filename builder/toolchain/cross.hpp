#pragma once
// What a cross toolchain stage gives a build: the target triplet's compilers, binutils and
// pkg-config in the environment, a CMake toolchain file and a meson cross file. The language
// front ends add their own variables on top (Python's sysconfig names, node-gyp's LINK).
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"

namespace xbuild::toolchain {

// Where a build sandbox finds the files below (bound read-only).
inline constexpr const char* k_tools_dir = "/xbuild";

// CC, CXX, AR, RANLIB, STRIP, READELF and PKG_CONFIG_LIBDIR for target's triplet (PKG_CONFIG_PATH
// emptied so that no host .pc file leaks in), CMAKE_TOOLCHAIN_FILE=/xbuild/toolchain.cmake and
// XBUILD_MESON_CROSS_FILE=/xbuild/meson-cross.ini.
std::vector<std::string> cross_compiler_environment(const Arch& target);
// The CMake toolchain file and the meson cross file contents for target.
std::string cmake_toolchain_file(const Arch& target);
std::string meson_cross_file(const Arch& target);
// Writes toolchain.cmake and meson-cross.ini for target into dir (bound at k_tools_dir).
void write_cross_files(const std::filesystem::path& dir, const Arch& target);

}  // namespace xbuild::toolchain
