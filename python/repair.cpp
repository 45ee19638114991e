#include "python/repair.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/process.hpp"
#include "builder/elf/elf_file.hpp"
#include "python/policy.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_name.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

std::string hashed_soname(const std::string& soname, std::string_view content) {
    std::string hash = hash::sha256_hex(content).substr(0, 8);
    auto so = soname.find(".so");
    if (so == std::string::npos) return soname + "-" + hash;
    return soname.substr(0, so) + "-" + hash + soname.substr(so);
}

namespace {

bool is_libpython(const std::string& soname) {
    return soname.rfind("libpython", 0) == 0;
}

// The relative path from directory `from` to directory `to`, both wheel-relative.
std::string relative_dir(const std::string& from, const std::string& to) {
    return stdfs::path(to).lexically_relative(stdfs::path(from.empty() ? "." : from)).string();
}

// $ORIGIN-relative rpath entries of an ELF inside the wheel, as wheel-relative directories.
std::vector<std::string> origin_dirs(const std::string& path, const elf::ElfInfo& info) {
    std::vector<std::string> dirs;
    auto add = [&](const std::vector<std::string>& list) {
        for (const std::string& entry : list) {
            for (const char* origin : {"$ORIGIN", "${ORIGIN}"}) {
                if (entry.rfind(origin, 0) == 0) {
                    std::string rest = entry.substr(std::string(origin).size());
                    stdfs::path dir = (stdfs::path(path).parent_path() / ("." + rest)).lexically_normal();
                    dirs.push_back(dir.string() == "." ? "" : dir.string());
                }
            }
        }
    };
    add(info.rpath);
    add(info.runpath);
    return dirs;
}

// Absolute rpath entries (the build's own -Wl,-rpath) resolved inside the stage.
std::vector<std::string> stage_rpath_dirs(const elf::ElfInfo& info) {
    std::vector<std::string> dirs;
    const auto& list = info.runpath.empty() ? info.rpath : info.runpath;
    for (const std::string& entry : list)
        if (!entry.empty() && entry[0] == '/') dirs.push_back(entry);
    return dirs;
}

}  // namespace

RepairResult repair_wheel(const stdfs::path& wheel_path, const Arch& arch,
                          const elf::LibraryResolver& resolver, const stdfs::path& out_dir,
                          const RepairOptions& options) {
    const std::string label = wheel_path.filename().string();
    Wheel wheel = Wheel::read(wheel_path);
    WheelName name = parse_wheel_name(label);
    PolicySet policies = PolicySet::load_default();
    auto names = policies.names(arch.uname);
    if (names.empty()) fail("{}: no manylinux policy for {}", label, arch.uname);
    std::vector<std::string> allowed_list = policies.allowed_libraries(names.back());
    std::set<std::string> allowed(allowed_list.begin(), allowed_list.end());

    // Every ELF of the wheel, checked for the arch.
    std::map<std::string, elf::ElfInfo> elfs;
    std::map<std::string, std::string> soname_in_wheel;  // soname -> path, for libraries the wheel ships
    for (const WheelEntry& entry : wheel.entries()) {
        if (!elf::is_elf(entry.data)) continue;
        auto info = elf::parse_elf(entry.data, label + ": " + entry.path);
        if (info.machine != arch.elf_machine || info.elf_class != arch.elf_class)
            fail("{}: {} is not a {} ELF file (e_machine {}), the wheel cannot be repaired for {}", label,
                 entry.path, arch.uname, info.machine, arch.uname);
        for (const std::string& needed : info.needed)
            if (is_libpython(needed))
                fail(
                    "{}: {} links {}: extension modules must not link libpython (the interpreter provides "
                    "it)",
                    label, entry.path, needed);
        if (!info.soname.empty()) soname_in_wheel[info.soname] = entry.path;
        elfs.emplace(entry.path, std::move(info));
    }

    const std::string libs_dir = escape_distribution(name.distribution) + ".libs";
    std::vector<GraftedLibrary> grafted;
    std::map<std::string, std::string> renamed;  // old soname -> new soname
    std::vector<std::string> queue;
    for (const auto& [path, info] : elfs) queue.push_back(path);
    std::map<std::string, std::vector<std::string>> patches;  // wheel path -> patchelf arguments
    while (!queue.empty()) {
        std::string path = queue.back();
        queue.pop_back();
        const elf::ElfInfo info = elfs.at(path);
        bool needs_rpath = false;
        auto wheel_dirs = origin_dirs(path, info);
        for (const std::string& needed : info.needed) {
            if (allowed.count(needed) || is_dynamic_loader(needed)) continue;
            bool shipped = soname_in_wheel.count(needed) > 0;
            for (const std::string& dir : wheel_dirs)
                shipped = shipped || wheel.find((dir.empty() ? "" : dir + "/") + needed) != nullptr;
            if (shipped && !renamed.count(needed)) continue;
            if (!renamed.count(needed)) {
                auto found = resolver.find(needed, stage_rpath_dirs(info));
                if (!found)
                    fail(
                        "{}: {} needs {}, which is not in the policy and was not found in the {} stage "
                        "(search "
                        "path: {}); add the package that provides it",
                        label, path, needed, arch.uname, fmt::join(resolver.search_dirs(), ":"));
                std::string data = fs::read_file(found->host_path);
                std::string new_name = hashed_soname(needed, data);
                std::string graft_path = libs_dir + "/" + new_name;
                wheel.add({graft_path, data, 0755});
                auto graft_info = elf::parse_elf(data, found->stage_path);
                graft_info.rpath.clear();
                graft_info.runpath.clear();
                elfs.emplace(graft_path, graft_info);
                renamed[needed] = new_name;
                soname_in_wheel[new_name] = graft_path;
                grafted.push_back({needed, new_name, found->stage_path});
                patches[graft_path] = {"--set-soname", new_name, "--set-rpath", "$ORIGIN"};
                queue.push_back(graft_path);  // its own dependencies
            }
            patches[path].insert(patches[path].end(), {"--replace-needed", needed, renamed.at(needed)});
            needs_rpath = true;
        }
        if (needs_rpath && path.rfind(libs_dir + "/", 0) != 0) {
            std::string rel = relative_dir(stdfs::path(path).parent_path().string(), libs_dir);
            patches[path].insert(patches[path].end(), {"--set-rpath", "$ORIGIN/" + rel});
        }
    }

    // patchelf works on files: run it on temporary copies (any arch: it only edits ELF).
    if (!patches.empty() || options.strip) {
        fs::TempDir temp(stdfs::temp_directory_path(), "xbuild-repair-");
        int index = 0;
        for (auto& [path, args] : patches) {
            if (args.empty()) continue;
            stdfs::path file = temp.path() / std::to_string(index++);
            WheelEntry* entry = wheel.find(path);
            fs::write_file_atomic(file, entry->data, 0755);
            // One operation per call: patchelf 0.14 corrupts the string table when
            // --replace-needed and --set-rpath come in the same invocation (seen here:
            // RUNPATH became the new soname).
            for (size_t i = 0; i + 1 < args.size(); i += (args[i] == "--replace-needed" ? 3 : 2)) {
                std::vector<std::string> argv{"patchelf", args[i], args[i + 1]};
                if (args[i] == "--replace-needed") argv.push_back(args[i + 2]);
                argv.push_back(file.string());
                auto result =
                    process::run(argv, {.log_file = temp.path() / "patchelf.log", .append_log = true});
                if (!result.ok())
                    fail("{}: patchelf failed on {}: {}", label, path,
                         process::tail_lines(temp.path() / "patchelf.log", 3));
            }
            entry->data = fs::read_file(file);
            elfs[path] = elf::parse_elf(entry->data, label + ": " + path);
        }
        if (options.strip) {
            std::string strip = std::string(arch.gnu_triplet) + "-strip";
            if (!process::find_program(strip)) strip = "strip";
            for (auto& [path, info] : elfs) {
                stdfs::path file = temp.path() / ("strip-" + std::to_string(index++));
                WheelEntry* entry = wheel.find(path);
                fs::write_file_atomic(file, entry->data, 0755);
                if (!process::run({strip, "--strip-unneeded", file.string()}).ok())
                    fail("{}: {} failed on {}", label, strip, path);
                entry->data = fs::read_file(file);
                info = elf::parse_elf(entry->data, label + ": " + path);
            }
        }
    }

    std::vector<std::pair<std::string, elf::ElfInfo>> evaluated(elfs.begin(), elfs.end());
    RepairResult result;
    result.grafted = grafted;
    if (!evaluated.empty()) {
        auto evaluation = policies.evaluate(arch.uname, evaluated);
        if (!evaluation.external_libraries.empty())
            fail("{}: still needs {} after repair", label, fmt::join(evaluation.external_libraries, ", "));
        if (evaluation.policy.empty()) {
            auto blockers = evaluation.blockers_for(names.back());
            std::string why = blockers.empty() ? "" : blockers.front().file + " " + blockers.front().what;
            fail("{}: meets no manylinux policy for {}: {}", label, arch.uname, why);
        }
        result.policy = evaluation.policy;
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
            result.policy = plat;
        }
        result.platform_tag = platform_tag_for(result.policy, arch.uname);
        name.platform_tag = result.platform_tag;
        wheel.set_tags(name.tags());
    } else {
        result.platform_tag = name.platform_tag;  // a pure wheel stays as it is
    }
    fs::make_dirs(out_dir);
    result.wheel = out_dir / name.filename();
    wheel.write(result.wheel, options.source_date_epoch);
    return result;
}

}  // namespace xbuild::python
