#pragma once
// Grafting: the libraries an artifact's ELF files need beyond the system's are copied into the
// artifact (resolved inside the TARGET stage, never the host), under content-hashed sonames so
// that two artifacts' copies never clash in one process; dependents are patched (patchelf) to
// need the new names and to find them through an $ORIGIN-relative RUNPATH. auditwheel does this
// for wheels; `xbuild repair` and `xbuild prebuild` share this code.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/elf/elf_file.hpp"
#include "builder/elf/resolver.hpp"

namespace xbuild::elf {

// One file of an artifact (a wheel entry, a prebuild directory's file).
struct ArtifactFile {
    std::string path;  // relative, '/'-separated
    std::string data;
    unsigned mode = 0644;
};

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
};

// "libyaml-0.so.2" + content → "libyaml-0-1a2b3c4d.so.2" (auditwheel's scheme: unique per content).
std::string hashed_soname(const std::string& soname, std::string_view content);

// The dynamic loader (ld-linux-aarch64.so.1, ...): some libraries list it in DT_NEEDED; it is
// the system's by definition and never grafted.
bool is_dynamic_loader(std::string_view soname);

// Parses every ELF file of files; throws Error "<label>: <path> is not a <arch> ELF file ..."
// for one of another machine or class. Returns (path, info) in files' order.
std::vector<std::pair<std::string, ElfInfo>> read_artifact_elfs(const std::vector<ArtifactFile>& files,
                                                                const Arch& arch, const std::string& label);

// Grafts the closure of files' needs outside options.is_system into options.libs_dir and patches
// every dependent; files gains the grafts (mode 0755). Libraries the artifact ships itself (by
// soname, or beside a requester through its $ORIGIN rpath) are left alone. Throws Error naming
// the requester and the library when one is found nowhere in the stage.
std::vector<GraftedLibrary> graft_libraries(std::vector<ArtifactFile>& files, const Arch& arch,
                                            const LibraryResolver& resolver, const GraftOptions& options);

// Strips every ELF file of files with the target's strip (<triplet>-strip --strip-unneeded,
// else the host's strip).
void strip_elf_files(std::vector<ArtifactFile>& files, const Arch& arch, const std::string& label);

}  // namespace xbuild::elf
