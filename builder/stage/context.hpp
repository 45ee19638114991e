#pragma once
// What the language front ends (wheels, prebuilds, images) share to run their stages: the cache,
// how sandboxes start, the mirror and the reporter; and a stage made ready for sandboxes.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "builder/core/log.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::stage {

struct StageContext {
    RootfsCache& cache;
    sandbox::Launcher launcher;
    std::string mirror;
    const Reporter& reporter;
    // Set when neither the command line nor the environment named a registry cache: the registry
    // cache of a repository a project's configuration names (its `cache.registry`), for
    // use_project_cache_registry.
    std::function<std::shared_ptr<const RemoteCache>(const std::string& repository)> registry_cache = {};
};

// Puts the registry cache of repository (a project's `cache.registry`) behind the context's cache,
// unless the command line or the environment set one (or repository is empty). Call before any stage
// is prepared.
void use_project_cache_registry(const StageContext& context, const std::string& repository);

struct PreparedStage {
    std::vector<std::filesystem::path> layers;  // for SandboxSpec::layers
    std::string key;                            // the topmost entry's key (part of cache keys)
    std::string description;
    std::vector<std::filesystem::path> extra_files;  // qemu interpreter when binfmt lacks the F flag
    std::filesystem::path base_root;                 // toolchain: the base stage without the project's layer
    std::string base_key;
    // Toolchain: the target's floor sysroot (builder/toolchain/sysroot.hpp), bound at /xbuild/sysroot.
    std::filesystem::path sysroot;
    std::string sysroot_key;
    // The cache entries behind layers and base_root, locked in use while the stage (or a copy) lives:
    // `xbuild cache prune` keeps them.
    std::vector<std::shared_ptr<const fs::FileLock>> in_use;

    // Adds entry's lock to in_use.
    void hold(const CacheEntry& entry);
};

// A stage of top (a layer, or base itself when the stage has none) over base, both held in use.
PreparedStage prepared_from(const CacheEntry& base, const CacheEntry& top, const std::string& description);

// The plain toolchain base of suite (recipes/stages.toml [toolchain]): rootfs arch, with target as the
// multiarch architecture (arch itself for a native stage). Every front end's toolchain stages of a
// suite share it; their tools are layers over it. spec is filled (for describe()).
CacheEntry ensure_toolchain_base(const StageContext& context, const std::string& suite, const Arch& arch,
                                 const Arch& target, StageSpec& spec);

// The two kinds of run in a prepared stage, the one place their common fields are set (layers, the qemu
// interpreter the stage may need, the scratch directory under the cache); callers add binds, env, argv:
// - build_run: the project's build in its toolchain stage, with the build capability profile (apt's
//   maintainer scripts and build systems that chown);
// - tool_run: anything else (xbuild's own byte-compiling and pip steps, tests, npm): no capabilities.
// Both without network unless the caller turns it on (the npm fetch).
sandbox::SandboxSpec build_run(const StageContext& context, const PreparedStage& toolchain);
sandbox::SandboxSpec tool_run(const StageContext& context, const PreparedStage& stage);

// Checks that arch can run here (qemu-user in binfmt_misc for a foreign arch; throws Error with
// the fix) and adds the interpreter to stage.extra_files when its binfmt entry lacks the F flag.
void require_arch(const Arch& arch, PreparedStage& stage);

}  // namespace xbuild::stage
