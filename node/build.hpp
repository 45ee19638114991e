#pragma once
// The build phase of one prebuild target, network off: upstream node-gyp (binding.gyp) or cmake-js
// (CMakeLists.txt) from the npm tools, against the suite's Node headers (--nodedir=/usr), cross
// (CC/CXX/LINK/AR of the target triplet, --arch) or native / emulated.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/stage/compile_cache.hpp"
#include "builder/toolchain/cross.hpp"
#include "node/project.hpp"
#include "node/stages.hpp"

namespace xbuild::node {

struct BuildRequest {
    const NodeProject& project;
    const NodeTarget& target;
    const PreparedStage& toolchain;
    std::filesystem::path tools;   // the npm tools' tree (node_modules/), bound at /xbuild/tools
    std::filesystem::path source;  // the fetched source root (the package's node_modules/), copied
    std::filesystem::path work;    // scratch: work/src (the copy), work/xbuild (cross files)
    std::filesystem::path log;     // the build log (appended)
    long long source_date_epoch;
    // The compile cache's directory (builder/stage/compile_cache.hpp); nullopt: none.
    std::optional<stage::CompileCache> ccache = std::nullopt;
};

// The compilers of target (builder/toolchain/cross.hpp): clang against the floor's sysroot in a
// host-arch stage, the stage's gcc against it in an emulated one.
toolchain::ToolchainSetup node_toolchain_setup(const NodeTarget& target);
// Environment of a build: the toolchain's (compiler wrappers, binutils, CMake toolchain file) and
// LINK, which node-gyp's make rules use to link.
std::vector<std::string> node_build_environment(const NodeTarget& target);

struct BuiltAddon {
    std::filesystem::path file;  // the .node file in build/Release of the package's copy
    int abi = 0;                 // the suite Node's NODE_MODULE_VERSION (--abi builds)
    // The package's "executables", each a regular file in build/Release: {name, path}.
    std::vector<std::pair<std::string, std::filesystem::path>> executables;
};

// Builds the addon and returns the one .node file it made. Throws Error ("build failed (exit N)")
// for a failed build, or naming the files when there is no or more than one .node file, or when an
// executable the package names is missing. The source tree is the project's source root; the build
// runs in its package directory.
BuiltAddon build_addon(const StageContext& context, const BuildRequest& request);

}  // namespace xbuild::node
