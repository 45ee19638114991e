#include "app/inspect.hpp"

#include <optional>

#include "app/run.hpp"
#include "app/target_stage.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::app {

python::InspectOutput inspect_file(const Session& session, const InspectRequest& request) {
    python::ResolverFactory resolver_for;
    std::optional<stage::RootfsCache> cache;
    std::vector<stage::CacheEntry> held;
    const Reporter reporter = session.reporter();
    const std::string suite = request.suite.empty() ? std::string(stage::k_default_suite) : request.suite;
    if (request.resolve) {
        cache.emplace(session.cache());
        resolver_for = [&](const Arch& arch) -> std::optional<elf::LibraryResolver> {
            return target_stage_resolver(*cache, stage::resolve_mirror(session.mirror), suite, arch,
                                         request.packages, reporter, held);
        };
    }
    return python::inspect_file(request.file, resolver_for, work_dir(session));
}

}  // namespace xbuild::app
