#include "builder/elf/graft.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/process.hpp"

namespace xbuild::elf {

namespace stdfs = std::filesystem;

std::string hashed_soname(const std::string& soname, std::string_view content) {
    return hashed_soname_for_digest(soname, hash::sha256_hex(content));
}

std::string hashed_soname_for_digest(const std::string& soname, std::string_view sha256_hex) {
    const std::string hash(sha256_hex.substr(0, 8));
    auto so = soname.find(".so");
    if (so == std::string::npos) return soname + "-" + hash;
    return soname.substr(0, so) + "-" + hash + soname.substr(so);
}

bool is_dynamic_loader(std::string_view soname) {
    return soname.starts_with("ld-linux") || soname == "ld64.so.1" || soname == "ld64.so.2" ||
           soname == "ld.so.1" || soname.starts_with("ld-musl");
}

namespace {

// The relative path from directory `from` to directory `to`, both artifact-relative.
std::string relative_dir(const std::string& from, const std::string& to) {
    return stdfs::path(to.empty() ? "." : to)
        .lexically_relative(stdfs::path(from.empty() ? "." : from))
        .string();
}

// $ORIGIN-relative rpath entries of an ELF inside the artifact, as artifact-relative directories.
std::vector<std::string> origin_dirs(const std::string& path, const ElfInfo& info) {
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
std::vector<std::string> stage_rpath_dirs(const ElfInfo& info) {
    std::vector<std::string> dirs;
    const auto& list = info.runpath.empty() ? info.rpath : info.runpath;
    for (const std::string& entry : list)
        if (!entry.empty() && entry[0] == '/') dirs.push_back(entry);
    return dirs;
}

ArtifactFile* find_file(std::vector<ArtifactFile>& files, std::string_view path) {
    for (ArtifactFile& file : files)
        if (file.path == path) return &file;
    return nullptr;
}

std::string join_path(const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
}

// Runs command + {file} on a copy of entry's file in work_dir, which entry then points at (the copy it
// pointed at before goes when it was one of work_dir's own).
void edit_with(ArtifactFile& entry, const std::vector<std::string>& command, const stdfs::path& work_dir,
               const std::string& label) {
    const stdfs::path file = fs::make_temp_file(work_dir, "edit-");
    fs::copy_file_content(entry.file, file, 0755);
    std::vector<std::string> argv = command;
    argv.push_back(file.string());
    const stdfs::path log = file.string() + ".log";
    auto result = process::run(argv, {.log_file = log});
    std::error_code ignored;
    if (!result.ok()) {
        const std::string tail = process::tail_lines(log, 3);
        stdfs::remove(log, ignored);
        stdfs::remove(file, ignored);
        fail("{}: {} failed on {}: {}", label, argv.front(), entry.path, tail);
    }
    stdfs::remove(log, ignored);
    if (entry.file.parent_path() == work_dir) stdfs::remove(entry.file, ignored);
    entry.file = file;
}

void require_work_dir(const stdfs::path& work_dir, const std::string& label) {
    std::error_code error;
    if (work_dir.empty() || !stdfs::is_directory(work_dir, error))
        fail("{}: no work directory for the edited files ('{}')", label, work_dir.string());
}

}  // namespace

std::vector<std::pair<std::string, ElfInfo>> read_artifact_elfs(const std::vector<ArtifactFile>& files,
                                                                const Arch& arch, const std::string& label,
                                                                const InputLimits& limits) {
    std::vector<std::pair<std::string, ElfInfo>> elfs;
    ElfBudget budget(limits);  // the infos are held at once
    for (const ArtifactFile& file : files) {
        if (!is_elf_file(file.file)) continue;
        auto info = read_elf(file.file, label + ": " + file.path, limits, &budget);
        if (info.machine != arch.elf_machine || info.elf_class != arch.elf_class)
            fail("{}: {} is not a {} ELF file (e_machine {}{})", label, file.path, arch.uname, info.machine,
                 info.machine == arch.elf_machine ? fmt::format(", {}-bit", info.elf_class) : "");
        elfs.emplace_back(file.path, std::move(info));
    }
    return elfs;
}

std::vector<GraftedLibrary> graft_libraries(std::vector<ArtifactFile>& files, const Arch& arch,
                                            const LibraryResolver& resolver, const GraftOptions& options) {
    const std::string& label = options.label;
    const std::string& libs_dir = options.libs_dir;
    require_work_dir(options.work_dir, label);
    std::map<std::string, ElfInfo> elfs;
    std::map<std::string, std::string> shipped_sonames;  // soname -> path, for libraries the artifact ships
    for (auto& [path, info] : read_artifact_elfs(files, arch, label)) {
        if (!info.soname.empty()) shipped_sonames[info.soname] = path;
        elfs.emplace(path, std::move(info));
    }

    std::vector<GraftedLibrary> grafted;
    std::map<std::string, std::string> renamed;  // old soname -> new soname
    std::set<std::string> graft_paths;
    std::vector<std::string> queue;
    for (const auto& [path, info] : elfs) queue.push_back(path);
    std::map<std::string, std::vector<std::vector<std::string>>> patches;  // path -> patchelf operations
    while (!queue.empty()) {
        std::string path = queue.back();
        queue.pop_back();
        const ElfInfo& info = elfs.at(path);  // std::map: stays valid as grafts are added
        bool needs_rpath = false;
        auto local_dirs = origin_dirs(path, info);
        for (const std::string& needed : info.needed) {
            if (is_dynamic_loader(needed) || (options.is_system && options.is_system(needed))) continue;
            if (needed.empty() || needed.find('/') != std::string::npos || needed == "." || needed == "..")
                fail("{}: {} needs '{}', which is not a library name", label, path, needed);
            bool shipped = shipped_sonames.count(needed) > 0;
            for (const std::string& dir : local_dirs)
                shipped = shipped || find_file(files, join_path(dir, needed)) != nullptr;
            if (shipped && !renamed.count(needed)) continue;
            if (!renamed.count(needed)) {
                auto found = resolver.find(needed, stage_rpath_dirs(info));
                if (!found)
                    fail(
                        "{}: {} needs {}, which is not in the policy and was not found in the {} stage "
                        "(search path: {}); add the package that provides it",
                        label, path, needed, arch.uname, fmt::join(resolver.search_dirs(), ":"));
                std::string new_name =
                    hashed_soname_for_digest(needed, hash::sha256_file_hex(found->host_path));
                std::string graft_path = join_path(libs_dir, new_name);
                if (find_file(files, graft_path))
                    fail("{}: cannot graft {} as {}: the artifact has a file of that name", label, needed,
                         graft_path);
                const stdfs::path copy = fs::make_temp_file(options.work_dir, "graft-");
                fs::copy_file_content(found->host_path, copy, 0755);
                auto graft_info = read_elf(copy, found->stage_path);
                graft_info.rpath.clear();
                graft_info.runpath.clear();
                files.push_back({graft_path, copy, 0755});
                elfs.emplace(graft_path, graft_info);
                renamed[needed] = new_name;
                shipped_sonames[new_name] = graft_path;
                graft_paths.insert(graft_path);
                grafted.push_back({needed, new_name, found->stage_path});
                patches[graft_path] = {{"--set-soname", new_name}, {"--set-rpath", "$ORIGIN"}};
                queue.push_back(graft_path);  // its own dependencies
            }
            patches[path].push_back({"--replace-needed", needed, renamed.at(needed)});
            needs_rpath = true;
        }
        if (needs_rpath && !graft_paths.count(path)) {  // grafts already got $ORIGIN
            std::string rel = relative_dir(stdfs::path(path).parent_path().string(), libs_dir);
            patches[path].push_back({"--set-rpath", rel == "." ? "$ORIGIN" : "$ORIGIN/" + rel});
        }
    }

    // patchelf works on files: run it on temporary copies (any arch: it only edits ELF). One
    // operation per call: patchelf 0.14 corrupts the string table when --replace-needed and
    // --set-rpath come in the same invocation (seen here: RUNPATH became the new soname).
    for (const auto& [path, operations] : patches) {
        ArtifactFile* entry = find_file(files, path);
        for (const auto& operation : operations) {
            std::vector<std::string> argv{"patchelf"};
            argv.insert(argv.end(), operation.begin(), operation.end());
            edit_with(*entry, argv, options.work_dir, label);
        }
    }
    return grafted;
}

void strip_elf_files(std::vector<ArtifactFile>& files, const Arch& arch, const std::string& label,
                     const stdfs::path& work_dir) {
    require_work_dir(work_dir, label);
    std::string strip = std::string(arch.gnu_triplet) + "-strip";
    if (!process::find_program(strip)) strip = "strip";
    for (ArtifactFile& file : files)
        if (is_elf_file(file.file)) edit_with(file, {strip, "--strip-unneeded"}, work_dir, label);
}

}  // namespace xbuild::elf
