#pragma once
// The target half of a toolchain stage: a floor's C and C++ runtime for the target arch (headers,
// crt files, libc, libstdc++ and libgcc of the floor's suite), the project's build-packages that
// are not build tools (builder/stage/build_tools.hpp) from that suite, and the files a language adds
// (the target Python's headers), as one read-only tree bound at k_sysroot_dir in the build sandbox.
// Made from two cache entries:
//
//   rootfs/<key>  an extract-only stage (floor suite, target arch, sysroot packages + libraries)
//   rootfs/<key>  the sysroot: that tree hard-linked, every absolute symlink made relative (so that
//                 it resolves inside the sysroot wherever it is bound, never into the build suite's
//                 root), the language's files copied in
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/stage/context.hpp"
#include "builder/toolchain/floor.hpp"

namespace xbuild::toolchain {

inline constexpr const char* k_sysroot_dir = "/xbuild/sysroot";

struct SysrootRequest {
    const Floor& floor;
    const Arch& target;
    std::vector<std::string> packages;  // the project's libraries (target arch, floor suite)
    // Trees or files of the build suite's root copied in at the same path: {source on the host, path}.
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> extra;
    std::string extra_key;  // what identifies extra (e.g. the toolchain base key and the Python)
};

struct Sysroot {
    std::filesystem::path root;  // bound at k_sysroot_dir
    std::string key;
    std::string description;  // "manylinux_2_31 sysroot bullseye/arm64"
    // The Debian packages of the floor's suite it was made of (names): whose libraries a build links.
    std::vector<std::string> packages;
};

// The sysroot of request, built when missing; its entries are held in use by stage.
Sysroot ensure_sysroot(const stage::StageContext& context, const SysrootRequest& request,
                       stage::PreparedStage& stage);

// Copies the tree from into to (which must not exist) with hard links for files; every absolute
// symlink target T becomes the relative path to to/T.
void link_tree_relative(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace xbuild::toolchain
