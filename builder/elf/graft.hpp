#pragma once
// Grafting: the libraries an artifact's ELF files need beyond the system's are copied into the
// artifact (resolved inside the TARGET stage, never the host), under content-hashed sonames so
// that two artifacts' copies never clash in one process; dependents are patched (patchelf) to
// need the new names and to find them through an $ORIGIN-relative RUNPATH. auditwheel does this
// for wheels; `xbuild repair` and `xbuild prebuild` share this code.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/artifact_file.hpp"
#include "builder/core/input_limits.hpp"
#include "builder/elf/elf_file.hpp"
#include "builder/elf/resolver.hpp"

namespace xbuild::elf {

struct GraftedLibrary {
    std::string soname;      // libyaml-0.so.2
    std::string new_name;    // libyaml-0-1a2b3c4d.so.2
    std::string stage_path;  // /usr/lib/aarch64-linux-gnu/libyaml-0.so.2
};

struct GraftOptions {
    std::string label;     // the artifact, first in every message ("pkg-1.0-cp313-...whl")
    std::string libs_dir;  // artifact-relative directory the grafts go to ("" = the top)
    // Sonames left to the system (the dynamic loader is always left).
    std::function<bool(std::string_view soname)> is_system;
    // An existing directory, owned by the caller, that holds the copies of grafted libraries and the
    // patched copies of the files (a file is never patched in place). Required.
    std::filesystem::path work_dir;
};

// "libyaml-0.so.2" + content → "libyaml-0-1a2b3c4d.so.2" (auditwheel's scheme: unique per content).
std::string hashed_soname(const std::string& soname, std::string_view content);
// The same for the hex SHA-256 of the content.
std::string hashed_soname_for_digest(const std::string& soname, std::string_view sha256_hex);

// The dynamic loader (ld-linux-aarch64.so.1, ...): some libraries list it in DT_NEEDED; it is
// the system's by definition and never grafted.
bool is_dynamic_loader(std::string_view soname);

// Parses every ELF file of files (read through a mapping, within limits); throws Error "<label>: <path>
// is not a <arch> ELF file ..." for one of another machine or class. Returns (path, info) in files' order.
std::vector<std::pair<std::string, ElfInfo>> read_artifact_elfs(
    const std::vector<ArtifactFile>& files, const Arch& arch, const std::string& label,
    const InputLimits& limits = InputLimits::from_environment());

// Grafts the closure of files' needs outside options.is_system into options.libs_dir and patches
// every dependent; files gains the grafts (mode 0755), and patched files point at their patched copies
// in options.work_dir. Libraries the artifact ships itself (by
// soname, or beside a requester through its $ORIGIN rpath) are left alone. Throws Error naming
// the requester and the library when one is found nowhere in the stage.
std::vector<GraftedLibrary> graft_libraries(std::vector<ArtifactFile>& files, const Arch& arch,
                                            const LibraryResolver& resolver, const GraftOptions& options);

// Strips every ELF file of files with the target's strip (<triplet>-strip --strip-unneeded, else the
// host's strip), on copies in work_dir that the files then point at.
void strip_elf_files(std::vector<ArtifactFile>& files, const Arch& arch, const std::string& label,
                     const std::filesystem::path& work_dir);

}  // namespace xbuild::elf
