// The CLI's Python commands: wheels, repair, inspect.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "builder/cli/options.hpp"
#include "builder/core/arch.hpp"
#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/input_limits.hpp"
#include "builder/elf/graft.hpp"
#include "builder/elf/resolver.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/recipes.hpp"
#include "python/inspect.hpp"
#include "python/repair.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_name.hpp"
#include "python/wheels.hpp"

namespace xbuild::cli {

namespace {

const Arch& arch_of_platform_tag(const std::string& platform_tag, const std::string& wheel) {
    std::string first = platform_tag.substr(0, platform_tag.find('.'));
    for (const Arch& arch : all_archs()) {
        std::string suffix = "_" + std::string(arch.uname);
        if (first.size() > suffix.size() && first.ends_with(suffix)) return arch;
    }
    fail("{}: platform tag '{}' names no Linux architecture xbuild knows", wheel, platform_tag);
}

// A resolver over an extract-only stage of arch (suite, base packages + packages): the
// libraries to graft or to show come from the target's Debian, never from the host. The stage's
// entry goes to held: in use while the resolver is.
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

// The cache's work directory, where wheels are extracted (each into a temporary directory of its own).
std::filesystem::path work_dir(const GlobalOptions& global) {
    const std::filesystem::path work = global.cache() / "work";
    fs::make_dirs(work);
    return work;
}

}  // namespace

// ---- xbuild wheels ----

int wheels_command(const GlobalOptions& global, const WheelsCliOptions& options) {
    Reporter reporter = global.reporter();
    stage::RootfsCache cache(global.cache());
    python::StageContext context{cache, global.launcher(), stage::resolve_mirror(global.mirror), reporter};
    python::WheelsOptions wheels;
    wheels.source = options.source;
    wheels.overrides = {options.archs, options.pythons, options.manylinux};
    wheels.emulate = options.emulate;
    wheels.output_dir = std::filesystem::absolute(options.output);
    wheels.keep_going = options.keep_going;
    auto outcomes = python::build_wheels(context, wheels);
    if (options.json) std::puts(python::outcomes_json(outcomes).c_str());
    fail_on_failures(outcomes, "build ids");
    return 0;
}
int repair_command(const GlobalOptions& global, const RepairCliOptions& options) {
    Reporter reporter = global.reporter();
    if (options.only_plat && options.plat.empty()) fail("repair: --only-plat needs --plat");
    stage::check_suite(options.suite);
    stage::RootfsCache cache(global.cache());
    const std::string mirror = stage::resolve_mirror(global.mirror);
    std::vector<stage::CacheEntry> held;
    const std::filesystem::path work = work_dir(global);
    const InputLimits limits = InputLimits::from_environment();
    for (const std::string& wheel : options.wheels) {
        auto name = python::parse_wheel_name(std::filesystem::path(wheel).filename().string());
        const Arch& arch = arch_of_platform_tag(name.platform_tag, wheel);
        // The wheel and its ELF files are read (and refused when they are hostile) before a stage is
        // made for the repair.
        python::Wheel read = python::Wheel::read(wheel, {work, limits});
        elf::read_artifact_elfs(read.entries(), arch, std::filesystem::path(wheel).filename().string(),
                                limits);
        elf::LibraryResolver resolver =
            target_stage_resolver(cache, mirror, options.suite, arch, options.packages, reporter, held);
        python::RepairOptions repair{options.plat, options.strip, 315532800, work};
        repair.only_plat = options.only_plat;
        if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch)
            repair.source_date_epoch = std::atoll(epoch);
        auto result = python::repair_wheel(std::move(read), arch, resolver,
                                           std::filesystem::absolute(options.output), repair);
        for (const auto& graft : result.grafted)
            reporter.info(fmt::format("grafted {} as {}", graft.stage_path, graft.new_name));
        std::puts(result.wheel.c_str());
    }
    return 0;
}

int inspect_command(const GlobalOptions& global, const InspectCliOptions& options) {
    python::ResolverFactory resolver_for;
    std::optional<stage::RootfsCache> cache;
    std::vector<stage::CacheEntry> held;
    Reporter reporter = global.reporter();
    if (options.resolve) {
        cache.emplace(global.cache());
        resolver_for = [&](const Arch& arch) -> std::optional<elf::LibraryResolver> {
            return target_stage_resolver(*cache, stage::resolve_mirror(global.mirror), options.suite, arch,
                                         options.packages, reporter, held);
        };
    }
    auto output = python::inspect_file(options.file, resolver_for, work_dir(global));
    std::fputs((options.json ? output.json + "\n" : output.text).c_str(), stdout);
    return 0;
}

}  // namespace xbuild::cli
