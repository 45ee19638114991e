#include "app/repair.hpp"

#include <cstdlib>

#include "app/run.hpp"
#include "app/target_stage.hpp"
#include "builder/core/input_limits.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/stage.hpp"
#include "python/wheel_name.hpp"

namespace xbuild::app {

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

std::vector<python::RepairResult> repair_wheels(const Session& session, const RepairRequest& request) {
    if (request.only_plat && request.plat.empty()) fail("repair: --only-plat needs --plat");
    const std::string suite = request.suite.empty() ? std::string(stage::k_default_suite) : request.suite;
    stage::check_suite(suite);
    const Reporter reporter = session.reporter();
    stage::RootfsCache cache(session.cache());
    const std::string mirror = stage::resolve_mirror(session.mirror);
    std::vector<stage::CacheEntry> held;
    const std::filesystem::path work = work_dir(session);
    const InputLimits limits = InputLimits::from_environment();
    std::vector<python::RepairResult> results;
    for (const std::string& wheel : request.wheels) {
        auto name = python::parse_wheel_name(std::filesystem::path(wheel).filename().string());
        const Arch& arch = arch_of_platform_tag(name.platform_tag, wheel);
        // The wheel and its ELF files are read (and refused when they are hostile) before a stage is
        // made for the repair.
        python::Wheel read = python::Wheel::read(wheel, {work, limits});
        elf::read_artifact_elfs(read.entries(), arch, std::filesystem::path(wheel).filename().string(),
                                limits);
        elf::LibraryResolver resolver =
            target_stage_resolver(cache, mirror, suite, arch, request.packages, reporter, held);
        python::RepairOptions repair;
        repair.plat = request.plat;
        repair.strip = request.strip;
        repair.work_dir = work;
        repair.only_plat = request.only_plat;
        repair.exclude = request.exclude;
        repair.lib_sdir = request.lib_sdir;
        // The SBOM's packages: those of the stage the libraries come from.
        const python::PackageOwners owners(held.back().root, held.back().dir / "packages.tsv", suite);
        repair.owners = &owners;
        if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch)
            repair.source_date_epoch = std::atoll(epoch);
        results.push_back(python::repair_wheel(std::move(read), arch, resolver,
                                               std::filesystem::absolute(request.output), repair));
    }
    return results;
}

}  // namespace xbuild::app
