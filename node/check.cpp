#include "node/check.hpp"

#include <charconv>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "node/abi_symbols.hpp"
#include "node/stages.hpp"

namespace xbuild::node {

namespace {

// "2.2.5" → {2, 2, 5}; nullopt unless every part is a number.
std::optional<std::vector<unsigned long>> version_numbers(std::string_view text) {
    std::vector<unsigned long> parts;
    while (!text.empty()) {
        std::string_view part = text.substr(0, text.find('.'));
        unsigned long value = 0;
        auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || error != std::errc() || end != part.data() + part.size()) return std::nullopt;
        parts.push_back(value);
        text.remove_prefix(std::min(text.size(), part.size() + 1));
    }
    if (parts.empty()) return std::nullopt;
    return parts;
}

bool links_libnode(const std::string& soname) {
    return soname.starts_with("libnode.so");
}

// The names defined by the libraries the first of elfs needs and by theirs, breadth first (the
// scope ld.so searches for a dlopened object besides the process's): the artifact's own files by
// soname (the grafts), the others found in the stage. A library found nowhere defines nothing.
std::set<std::string> defined_by_needed(const std::vector<std::pair<std::string, elf::ElfInfo>>& elfs,
                                        const elf::LibraryResolver& resolver) {
    std::map<std::string, const elf::ElfInfo*> shipped;
    for (const auto& [path, info] : elfs)
        if (!info.soname.empty()) shipped.emplace(info.soname, &info);
    std::set<std::string> defined, seen;
    std::vector<std::string> queue = elfs.front().second.needed;
    for (std::size_t i = 0; i < queue.size(); ++i) {
        if (!seen.insert(queue[i]).second) continue;
        const elf::ElfInfo* info = nullptr;
        elf::ElfInfo from_stage;
        if (auto found = shipped.find(queue[i]); found != shipped.end()) {
            info = found->second;
        } else if (auto library = resolver.find(queue[i])) {
            from_stage = elf::read_elf(library->host_path, library->stage_path);
            info = &from_stage;
        }
        if (!info) continue;
        for (const elf::Symbol& symbol : info->dynamic_symbols)
            if (symbol.defined) defined.insert(symbol.name);
        queue.insert(queue.end(), info->needed.begin(), info->needed.end());
    }
    return defined;
}

}  // namespace

std::string newest_version_needed(const std::vector<elf::ElfInfo>& infos, std::string_view name_space) {
    const std::string prefix = std::string(name_space) + "_";
    std::string newest;
    std::vector<unsigned long> newest_numbers;
    for (const elf::ElfInfo& info : infos)
        for (const elf::VersionNeed& need : info.version_needs)
            for (const std::string& version : need.versions) {
                if (!version.starts_with(prefix)) continue;
                auto numbers = version_numbers(std::string_view(version).substr(prefix.size()));
                if (!numbers) continue;  // GLIBC_PRIVATE
                // Compare part by part, missing parts counting as 0.
                bool newer = newest.empty();
                for (std::size_t i = 0; !newer && i < std::max(numbers->size(), newest_numbers.size()); ++i) {
                    unsigned long a = i < numbers->size() ? (*numbers)[i] : 0;
                    unsigned long b = i < newest_numbers.size() ? newest_numbers[i] : 0;
                    if (a != b) {
                        newer = a > b;
                        break;
                    }
                }
                if (newer) {
                    newest = version;
                    newest_numbers = *numbers;
                }
            }
    return newest;
}

CheckedPrebuild check_prebuild(const std::filesystem::path& built, const Arch& arch,
                               const elf::LibraryResolver& resolver, const CheckOptions& options) {
    const std::filesystem::path work_parent =
        options.work_dir.empty() ? std::filesystem::temp_directory_path() : options.work_dir;
    CheckedPrebuild checked{fs::TempDir(work_parent, "check-")};
    checked.files.push_back({options.file_name, built, 0755});
    for (const auto& [name, file] : options.executables) checked.files.push_back({name, file, 0755});
    for (const ArtifactFile& file : checked.files)
        if (!elf::is_elf_file(file.file))
            fail("{}: {} is not an ELF file", options.label, file.file.filename().string());
    for (const auto& [path, info] : elf::read_artifact_elfs(checked.files, arch, options.label)) {
        if (path == options.file_name && info.type != elf::et_dyn)
            fail("{}: {} is not a shared object", options.label, path);
        for (const std::string& needed : info.needed)
            if (links_libnode(needed))
                fail(
                    "{}: links {}: a .node file linked to a shared Node (Debian's node-gyp adds -lnode) "
                    "loads in no "
                    "other Node build",
                    options.label, needed);
    }
    checked.grafted = elf::graft_libraries(checked.files, arch, resolver,
                                           {options.label, "", is_system_library, checked.work.path()});
    if (options.strip) elf::strip_elf_files(checked.files, arch, options.label, checked.work.path());
    const auto elfs = elf::read_artifact_elfs(checked.files, arch, options.label);
    if (!options.abi) {
        std::optional<std::set<std::string>> defined;  // read only for a symbol no version places
        require_node_api(elfs.front().second, options.label, "build/Release/" + built.filename().string(),
                         [&](const std::string& name) {
                             if (!defined) defined = defined_by_needed(elfs, resolver);
                             return defined->count(name) > 0;
                         });
    }
    std::vector<elf::ElfInfo> infos;
    for (const auto& [path, info] : elfs) infos.push_back(info);
    std::string glibc = newest_version_needed(infos, "GLIBC");
    checked.glibc_floor = glibc.empty() ? "" : glibc.substr(6);
    checked.newest_glibcxx = newest_version_needed(infos, "GLIBCXX");
    return checked;
}

}  // namespace xbuild::node
