#include "python/inspect.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/elf/elf_file.hpp"
#include "builder/elf/graft.hpp"  // is_dynamic_loader
#include "python/policy.hpp"
#include "python/wheel_archive.hpp"

namespace xbuild::python {

namespace {

const Arch* arch_of(const elf::ElfInfo& info) {
    for (const Arch& arch : all_archs())
        if (arch.elf_machine == info.machine && arch.elf_class == info.elf_class) return &arch;
    return nullptr;
}

}  // namespace

InspectOutput inspect_file(const std::filesystem::path& file, const ResolverFactory& resolver_for,
                           const std::filesystem::path& work_dir) {
    const std::string label = file.filename().string();
    std::vector<std::pair<std::string, elf::ElfInfo>> elfs;
    std::string kind;
    if (file.extension() == ".whl") {
        kind = "wheel";
        const InputLimits limits = InputLimits::from_environment();
        const Wheel wheel = Wheel::read(file, {work_dir, limits});
        elf::ElfBudget budget(limits);  // the infos are held at once
        for (const WheelEntry& entry : wheel.entries())
            if (elf::is_elf_file(entry.file))
                elfs.emplace_back(entry.path,
                                  elf::read_elf(entry.file, label + ": " + entry.path, limits, &budget));
    } else {
        if (!elf::is_elf_file(file)) fail("{}: not a wheel (.whl) or an ELF file", file.string());
        kind = "elf";
        elfs.emplace_back(label, elf::read_elf(file, label));
    }
    nlohmann::json json = {{"file", file.string()}, {"kind", kind}};
    std::string text = fmt::format("{} ({})\n", file.string(), kind);
    if (elfs.empty()) {
        json["platform_tag"] = "any";
        text += "no ELF files: a pure wheel, platform independent\n";
        return {text, json.dump(2)};
    }
    const Arch* arch = arch_of(elfs.front().second);
    if (arch == nullptr)
        fail("{}: ELF machine {} is not an architecture xbuild knows", label, elfs.front().second.machine);
    for (const auto& [path, info] : elfs)
        if (arch_of(info) != arch) fail("{}: mixes architectures: {} is not {}", label, path, arch->uname);
    std::optional<elf::LibraryResolver> resolver;
    if (resolver_for) resolver = resolver_for(*arch);
    auto policies = PolicySet::load_default();
    auto evaluation = policies.evaluate(arch->uname, elfs);
    auto names = policies.names(arch->uname);
    auto allowed_list = policies.allowed_libraries(names.back());
    json["arch"] = std::string(arch->uname);
    json["policy"] = evaluation.policy;
    json["platform_tag"] = evaluation.platform_tag;
    json["external_libraries"] = evaluation.external_libraries;
    text += fmt::format(
        "arch: {}\nplatform tag: {}{}\n", arch->uname, evaluation.platform_tag,
        evaluation.external_libraries.empty()
            ? ""
            : fmt::format(" (after grafting {})", fmt::join(evaluation.external_libraries, ", ")));
    nlohmann::json files = nlohmann::json::array();
    for (size_t i = 0; i < elfs.size(); ++i) {
        const auto& [path, info] = elfs[i];
        const auto& report = evaluation.files[i];
        nlohmann::json needed = nlohmann::json::array();
        text += fmt::format("\n{}\n  policy: {}\n", path, report.policy.empty() ? "none" : report.policy);
        for (const std::string& lib : info.needed) {
            bool system = std::find(allowed_list.begin(), allowed_list.end(), lib) != allowed_list.end();
            bool external =
                std::find(evaluation.external_libraries.begin(), evaluation.external_libraries.end(), lib) !=
                evaluation.external_libraries.end();
            std::string where = system                        ? "system (allowed by the policy)"
                                : elf::is_dynamic_loader(lib) ? "system (the dynamic loader)"
                                : external                    ? "external (to graft)"
                                                              : "in the wheel";
            nlohmann::json item = {{"name", lib}, {"where", where}};
            std::string resolved;
            if (resolver && where != "in the wheel") {
                auto found = resolver->find(lib, info.runpath.empty() ? info.rpath : info.runpath);
                resolved = found ? found->stage_path : "not found";
                item["resolves_to"] = resolved;
            }
            needed.push_back(item);
            text +=
                fmt::format("  needs {:<28} {}{}\n", lib, where, resolved.empty() ? "" : " -> " + resolved);
        }
        if (!report.newest_versions.empty())
            text += fmt::format("  newest symbol versions: {}\n", fmt::join(report.newest_versions, ", "));
        for (const std::string& limit : report.limiting) text += fmt::format("  floor set by: {}\n", limit);
        files.push_back({{"path", path},
                         {"policy", report.policy},
                         {"needed", needed},
                         {"newest_versions", report.newest_versions},
                         {"limiting", report.limiting},
                         {"rpath", info.rpath},
                         {"runpath", info.runpath},
                         {"soname", info.soname}});
    }
    json["files"] = files;
    return {text, json.dump(2)};
}

}  // namespace xbuild::python
