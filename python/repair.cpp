#include "python/repair.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/graft.hpp"
#include "python/policy.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_name.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

namespace {

bool is_libpython(const std::string& soname) {
    return soname.rfind("libpython", 0) == 0;
}

}  // namespace

RepairResult repair_wheel(const stdfs::path& wheel_path, const Arch& arch,
                          const elf::LibraryResolver& resolver, const stdfs::path& out_dir,
                          const RepairOptions& options) {
    return repair_wheel(Wheel::read(wheel_path, {options.work_dir}), arch, resolver, out_dir, options);
}

RepairResult repair_wheel(Wheel wheel, const Arch& arch, const elf::LibraryResolver& resolver,
                          const stdfs::path& out_dir, const RepairOptions& options) {
    const std::string label = wheel.source().filename().string();
    WheelName name = parse_wheel_name(label);
    PolicySet policies = PolicySet::load_default();
    auto names = policies.names(arch.uname);
    if (names.empty()) fail("{}: no manylinux policy for {}", label, arch.uname);
    std::vector<std::string> allowed_list = policies.allowed_libraries(names.back());
    std::set<std::string> allowed(allowed_list.begin(), allowed_list.end());

    // Every ELF of the wheel, checked for the arch.
    for (const auto& [path, info] : elf::read_artifact_elfs(wheel.entries(), arch, label))
        for (const std::string& needed : info.needed)
            if (is_libpython(needed))
                fail(
                    "{}: {} links {}: extension modules must not link libpython (the interpreter provides "
                    "it)",
                    label, path, needed);

    if (options.lib_sdir.empty() || options.lib_sdir.find('/') != std::string::npos ||
        options.lib_sdir == "." || options.lib_sdir == "..")
        fail("{}: --lib-sdir '{}' must be one directory name suffix (default .libs)", label,
             options.lib_sdir);
    const std::string libs_dir = escape_distribution(name.distribution) + options.lib_sdir;
    auto excluded = [&](std::string_view soname) {
        return std::any_of(options.exclude.begin(), options.exclude.end(), [&](const std::string& glob) {
            return ::fnmatch(glob.c_str(), std::string(soname).c_str(), 0) == 0;
        });
    };
    auto is_system = [&](std::string_view soname) {
        return allowed.count(std::string(soname)) > 0 || excluded(soname);
    };
    const stdfs::path work = wheel.work_dir();
    auto grafted = elf::graft_libraries(wheel.entries(), arch, resolver, {label, libs_dir, is_system, work});
    if (options.strip) elf::strip_elf_files(wheel.entries(), arch, label, work);

    auto evaluated = elf::read_artifact_elfs(wheel.entries(), arch, label);
    RepairResult result;
    result.grafted = grafted;
    if (!evaluated.empty()) {
        auto evaluation = policies.evaluate(arch.uname, evaluated);
        std::erase_if(evaluation.external_libraries, excluded);
        if (!evaluation.external_libraries.empty())
            fail("{}: still needs {} after repair", label, fmt::join(evaluation.external_libraries, ", "));
        if (evaluation.policy.empty()) {
            auto blockers = evaluation.blockers_for(names.back());
            std::string why = blockers.empty() ? "" : blockers.front().file + " " + blockers.front().what;
            fail("{}: meets no manylinux policy for {}: {}", label, arch.uname, why);
        }
        result.policy = evaluation.policy;
        std::string requested;  // the policy the wheel must also be tagged with
        if (!options.floor.empty()) {
            auto blockers = evaluation.blockers_for(options.floor);
            if (!blockers.empty())
                fail("{}: needs more than its floor {} ({}): {} {}", label, options.floor,
                     options.floor_source.empty() ? "the default" : options.floor_source,
                     blockers.front().file, blockers.front().what);
            requested = options.floor;
        }
        if (!options.plat.empty()) {
            std::string plat = options.plat;  // a policy, an alias, or a full tag with the arch
            std::string suffix = "_" + std::string(arch.uname);
            if (plat.ends_with(suffix)) plat.resize(plat.size() - suffix.size());
            auto known = policies.names(arch.uname);
            bool is_alias = plat == "manylinux1" || plat == "manylinux2010" || plat == "manylinux2014";
            if (!is_alias && std::find(known.begin(), known.end(), plat) == known.end())
                fail("{}: unknown platform tag '{}' for {} (known: {})", label, options.plat, arch.uname,
                     fmt::join(known, ", "));
            auto blockers = evaluation.blockers_for(plat);
            if (!blockers.empty())
                fail("{}: cannot be tagged {}: {} {}", label, options.plat, blockers.front().file,
                     blockers.front().what);
            requested = plat;
        }
        if (!requested.empty() && options.only_plat) result.policy = requested;
        result.platform_tag = platform_tag_for(result.policy, arch.uname);
        std::string requested_tag = requested.empty() ? "" : platform_tag_for(requested, arch.uname);
        if (!requested_tag.empty() && requested_tag != result.platform_tag)
            result.platform_tag += "." + requested_tag;
        name.platform_tag = result.platform_tag;
        wheel.set_tags(name.tags());
    } else {
        result.platform_tag = name.platform_tag;  // a pure wheel stays as it is
    }
    if (options.owners && !grafted.empty())
        wheel.add_text(
            wheel.dist_info() + "/sboms/xbuild.cdx.json",
            graft_sbom(name.filename(), name.distribution, name.version, grafted, *options.owners));
    fs::make_dirs(out_dir);
    result.wheel = out_dir / name.filename();
    wheel.write(result.wheel, options.source_date_epoch);
    return result;
}

}  // namespace xbuild::python
