#pragma once
// The stages of one prebuild target: the toolchain stage that compiles (cross by default: a
// host-arch rootfs with the target as a multiarch architecture; target-arch under qemu with
// --emulate), the npm tools xbuild runs in it, and the runtime stage that tests.
#include <filesystem>
#include <string>

#include "builder/core/arch.hpp"
#include "builder/stage/context.hpp"
#include "builder/toolchain/floor.hpp"
#include "node/project.hpp"

namespace xbuild::node {

using stage::PreparedStage;
using stage::StageContext;

struct NodeTarget {
    const Arch* arch = nullptr;
    bool emulate = false;  // compile in a target-arch toolchain stage under qemu
    bool abi = false;      // --abi: build against the suite's Node headers, for its ABI only
    const toolchain::Floor* floor = nullptr;  // the glibc floor its sysroot gives
};

// recipes/node.toml: the system sonames a prebuild may need without grafting.
bool is_system_library(std::string_view soname);

// The host-arch toolchain of a plan: the plain toolchain base of the suite (multiarch is the plan's
// foreign arch for cross builds, or nullptr; the Python front end's wheels share it) with a layer
// of the suite's Node and npm. The fetch phase and the npm tools run in it, and it compiles the
// native and cross targets (a project's build tools make its own layer, Node and npm included).
PreparedStage prepare_host_toolchain(const StageContext& context, const std::string& suite,
                                     const Arch* multiarch);
// The stage a target compiles in: the host base (cross, native) or a target-arch base under qemu
// (emulate), with a layer of the build tools among the project's build-packages (in the stage's own
// arch: builder/stage/build_tools.hpp) and cmake for cmake-js projects, and the target sysroot with
// the other build-packages.
PreparedStage prepare_toolchain(const StageContext& context, const NodeProject& project,
                                const NodeTarget& target, const PreparedStage& host_base);
// recipes/node-tools (upstream node-gyp, cmake-js, node-gyp-build, node-api-headers, pinned by its
// package-lock.json) installed with `npm ci` over the host base: a cache entry whose tree holds
// node_modules/ (bound read-only at /xbuild/tools in build and test sandboxes), locked in use.
stage::CacheEntry ensure_node_tools(const StageContext& context, const PreparedStage& host_base);
// Extract-only target-arch rootfs of suite with its nodejs and the project's test-packages.
PreparedStage prepare_test_stage(const StageContext& context, const NodeProject& project, const Arch& arch,
                                 const std::string& suite);

}  // namespace xbuild::node
