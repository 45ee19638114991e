#include "builder/stage/context.hpp"

#include "builder/sandbox/binfmt.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/recipes.hpp"

namespace xbuild::stage {

void PreparedStage::hold(const CacheEntry& entry) {
    if (entry.in_use) in_use.push_back(entry.in_use);
}

PreparedStage prepared_from(const CacheEntry& base, const CacheEntry& top, const std::string& description) {
    PreparedStage prepared;
    prepared.layers = layer_stack(base, top);
    prepared.key = top.key;
    prepared.description = description;
    prepared.base_root = base.root;
    prepared.base_key = base.key;
    prepared.hold(base);
    prepared.hold(top);
    return prepared;
}

CacheEntry ensure_toolchain_base(const StageContext& context, const std::string& suite, const Arch& arch,
                                 const Arch& target, StageSpec& spec) {
    spec.suite = suite;
    spec.kind = StageKind::toolchain;
    spec.mirror = context.mirror;
    spec.arch = &arch;
    spec.target = &target;
    const std::string variant = set_stage_packages(spec, {});
    return context.cache.ensure(spec, variant, context.reporter);
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
