#include "builder/stage/context.hpp"

#include "builder/sandbox/binfmt.hpp"

namespace xbuild::stage {

void PreparedStage::hold(const CacheEntry& entry) {
    if (entry.in_use) in_use.push_back(entry.in_use);
}

sandbox::SandboxSpec tool_run(const StageContext& context, const PreparedStage& stage) {
    sandbox::SandboxSpec spec;
    spec.layers = stage.layers;
    spec.extra_files = stage.extra_files;
    spec.scratch_parent = context.cache.sandbox_dir();
    spec.capabilities = sandbox::CapabilityProfile::none;
    spec.network = false;
    return spec;
}

sandbox::SandboxSpec build_run(const StageContext& context, const PreparedStage& toolchain) {
    sandbox::SandboxSpec spec = tool_run(context, toolchain);
    spec.capabilities = sandbox::CapabilityProfile::build;
    return spec;
}

void require_arch(const Arch& arch, PreparedStage& stage) {
    auto binfmt = sandbox::require_binfmt(arch);
    if (&arch != &host_arch() && !binfmt.fix_binary) stage.extra_files.push_back(binfmt.interpreter);
}

void use_project_cache_registry(const StageContext& context, const std::string& repository) {
    if (repository.empty() || !context.registry_cache || context.cache.remote()) return;
    context.cache.set_remote(context.registry_cache(repository));
}

}  // namespace xbuild::stage
