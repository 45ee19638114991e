#include "app/target_stage.hpp"

#include "builder/stage/recipes.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::app {

elf::LibraryResolver target_stage_resolver(stage::RootfsCache& cache, const std::string& mirror,
                                           const std::string& suite, const Arch& arch,
                                           const std::vector<std::string>& packages, const Reporter& reporter,
                                           std::vector<stage::CacheEntry>& held) {
    stage::check_suite(suite);
    stage::StageSpec spec;
    spec.suite = suite;
    spec.arch = &arch;
    spec.kind = stage::StageKind::runtime;
    spec.mirror = mirror;
    const std::string variant = stage::set_stage_packages(spec, packages);
    held.push_back(cache.ensure(spec, variant, reporter));
    return elf::LibraryResolver({held.back().root}, arch);
}

}  // namespace xbuild::app
