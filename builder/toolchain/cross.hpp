#pragma once
// What a toolchain stage gives a build, native and cross alike: compiler wrappers that compile
// against the floor's sysroot (builder/toolchain/sysroot.hpp) and link against its libraries, their
// names in the environment with binutils and pkg-config, a CMake toolchain file and a meson machine
// file. The language front ends add their own variables on top (Python's sysconfig names,
// node-gyp's LINK).
//
// The compiler: in a host-arch stage, clang (--target, --sysroot, lld): one binary for every
// target, so a cross build costs what a native one does (docs/ARCHITECTURE.md, "Floors"); in an
// emulated target-arch stage (--emulate), the stage's own gcc with --sysroot and the floor GCC's
// C++ headers, crt files and libraries first.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/toolchain/floor.hpp"

namespace xbuild::toolchain {

// Where a build sandbox finds the files below (bound read-only); the sysroot is bound at
// k_sysroot_dir (sysroot.hpp) inside it.
inline constexpr const char* k_tools_dir = "/xbuild";

struct ToolchainSetup {
    const Arch& target;
    const Floor& floor;
    bool cross = false;     // a host-arch stage building for another arch
    bool emulated = false;  // a target-arch stage under qemu: gcc instead of clang
    // Headers of the build suite a build may use beside the sysroot's, searched after them
    // (-idirafter): Node's libuv headers (uv.h, uv/), which Node's own headers include.
    std::vector<std::string> after_includes = {};
    // The compiler runs under ccache (the stage has it; builder/stage/compile_cache.hpp).
    bool ccache = false;
};

// CC and CXX (the wrappers), AR, RANLIB, STRIP, READELF, PKG_CONFIG_LIBDIR and PKG_CONFIG_SYSROOT_DIR
// (the sysroot's .pc files only; PKG_CONFIG_PATH emptied), CMAKE_TOOLCHAIN_FILE, and
// XBUILD_MESON_CROSS_FILE (cross) or XBUILD_MESON_NATIVE_FILE.
std::vector<std::string> compiler_environment(const ToolchainSetup& setup);
// The sh wrapper of the C (cxx false) or C++ compiler. Include directories of the build suite
// (-I/-isystem /usr/include, as pybind11's CMake config and get_include() give them) are searched
// after the sysroot's, never before: the build suite's glibc headers must not replace the floor's.
std::string compiler_wrapper(const ToolchainSetup& setup, bool cxx);
std::string cmake_toolchain_file(const ToolchainSetup& setup);
// A meson cross file (setup.cross) or native file.
std::string meson_machine_file(const ToolchainSetup& setup);
// Writes bin/cc, bin/c++, toolchain.cmake, meson-cross.ini or meson-native.ini and the empty
// sysroot/ mount point into dir (bound at k_tools_dir).
void write_toolchain_files(const std::filesystem::path& dir, const ToolchainSetup& setup);

}  // namespace xbuild::toolchain
