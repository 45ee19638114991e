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
#include "builder/elf/resolver.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/recipes.hpp"
#include "python/inspect.hpp"
#include "python/repair.hpp"
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

}  // namespace

// ---- xbuild wheels ----

int wheels_command(const GlobalOptions& global, const WheelsCliOptions& options) {
    Reporter reporter = global.reporter();
    stage::RootfsCache cache(global.cache());
    python::StageContext context{
        cache, {sandbox::Launch::fork, self_exe()}, stage::resolve_mirror(global.mirror), reporter};
    python::WheelsOptions wheels;
    wheels.source = options.source;
    wheels.overrides = {options.archs, options.pythons};
    wheels.emulate = options.emulate;
    wheels.output_dir = std::filesystem::absolute(options.output);
    wheels.keep_going = options.keep_going;
    auto outcomes = python::build_wheels(context, wheels);
    if (options.json) std::puts(python::outcomes_json(outcomes).c_str());
    int failed = 0;
    for (const auto& outcome : outcomes) failed += outcome.ok ? 0 : 1;
    if (failed == 1) {
        for (const auto& outcome : outcomes)
            if (!outcome.ok) fail("{} (log: {})", outcome.error, outcome.log.string());
    }
    if (failed > 1)
        fail("{} of {} build ids failed (logs: {})", failed, outcomes.size(),
             outcomes.front().log.parent_path().string());
    return 0;
}
int repair_command(const GlobalOptions& global, const RepairCliOptions& options) {
    Reporter reporter = global.reporter();
    stage::check_suite(options.suite);
    stage::RootfsCache cache(global.cache());
    const std::string mirror = stage::resolve_mirror(global.mirror);
    for (const std::string& wheel : options.wheels) {
        auto name = python::parse_wheel_name(std::filesystem::path(wheel).filename().string());
        const Arch& arch = arch_of_platform_tag(name.platform_tag, wheel);
        // The libraries to graft come from a stage of the wheel's arch (extract-only: nothing
        // runs), never from the host.
        stage::StageSpec spec;
        spec.suite = options.suite;
        spec.arch = &arch;
        spec.kind = stage::StageKind::runtime;
        spec.mirror = mirror;
        auto recipe = stage::base_recipe(spec.kind, arch, nullptr);
        spec.packages = recipe.packages;
        for (const std::string& package : options.packages) stage::check_package_name(package);
        spec.packages.insert(spec.packages.end(), options.packages.begin(), options.packages.end());
        spec.normalize();
        auto entry = cache.ensure(spec, recipe.variant, reporter);
        elf::LibraryResolver resolver({entry.root}, arch);
        python::RepairOptions repair{options.plat, options.strip, 315532800};
        if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch)
            repair.source_date_epoch = std::atoll(epoch);
        auto result =
            python::repair_wheel(wheel, arch, resolver, std::filesystem::absolute(options.output), repair);
        for (const auto& graft : result.grafted)
            reporter.info(fmt::format("grafted {} as {}", graft.stage_path, graft.new_name));
        std::puts(result.wheel.c_str());
    }
    return 0;
}

int inspect_command(const std::string& file, bool json) {
    auto output = python::inspect_file(file);
    std::fputs((json ? output.json + "\n" : output.text).c_str(), stdout);
    return 0;
}

}  // namespace xbuild::cli
