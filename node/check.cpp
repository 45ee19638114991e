#include "node/check.hpp"

#include <charconv>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
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
    if (!elf::is_elf_file(built)) fail("{}: {} is not an ELF file", options.label, built.filename().string());
    for (const auto& [path, info] : elf::read_artifact_elfs(checked.files, arch, options.label)) {
        if (info.type != elf::et_dyn) fail("{}: {} is not a shared object", options.label, path);
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
    std::vector<elf::ElfInfo> infos;
    for (auto& [path, info] : elf::read_artifact_elfs(checked.files, arch, options.label))
        infos.push_back(info);
    std::string glibc = newest_version_needed(infos, "GLIBC");
    checked.glibc_floor = glibc.empty() ? "" : glibc.substr(6);
    checked.newest_glibcxx = newest_version_needed(infos, "GLIBCXX");
    return checked;
}

}  // namespace xbuild::node
