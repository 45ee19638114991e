#pragma once
// The ELF closure check of an image: every dynamically linked ELF file of the image's architecture
// must find its interpreter and every DT_NEEDED library inside the image, the way the target's ld.so
// would (elf::LibraryResolver: the requester's RPATH/RUNPATH with $ORIGIN expanded, ld.so.conf, the
// multiarch and default directories). The image is read from the host as a stack of layer directories
// (topmost first, overlayfs rules: an upper entry hides the same path below, whiteouts and opaque
// directories are honoured); symlinks are never followed out of a layer and nothing runs.
#include <compare>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"

namespace xbuild::image {

struct MissingLibrary {
    std::string file;          // the requester's image path: "/usr/lib/python3/dist-packages/x/_ext.so"
    std::string soname;        // a DT_NEEDED entry ("libyaml-0.so.2") or the PT_INTERP path
    bool interpreter = false;  // soname is the requester's PT_INTERP ("/lib/ld-linux-aarch64.so.1")
    bool operator==(const MissingLibrary&) const = default;
    auto operator<=>(const MissingLibrary&) const = default;
};

struct ClosureReport {
    std::size_t files = 0;                // regular files of the image
    std::size_t elf_files = 0;            // ELF files of the image's machine and class
    std::size_t checked = 0;              // of those, dynamically linked (interpreter or DT_NEEDED): checked
    std::size_t foreign_elf = 0;          // ELF files of another machine, class or byte order: skipped
    std::vector<MissingLibrary> missing;  // sorted by file, then soname; no duplicates

    bool ok() const { return missing.empty(); }
    // The distinct missing sonames (interpreter paths excluded), sorted: for PackageIndex::providers.
    std::vector<std::string> missing_sonames() const;
};

// Walks every regular file of the layers (topmost first, as elf::LibraryResolver takes them) but those
// under /usr/lib/debug (separate debug files, never loaded), and checks the closure of each dynamically
// linked ELF file of arch. Throws Error naming the image path for a
// malformed ELF file of arch, an unreadable file or directory, or a layer that is not a directory.
ClosureReport check_closure(const std::vector<std::filesystem::path>& layers, const Arch& arch);

// A multi-line message for the report's missing libraries, one line per requester and library:
// "/usr/lib/x/_ext.so needs libyaml-0.so.2: it is in the Debian package libyaml-0-2; add it to
// `packages` in xbuild.toml". providers maps a soname to the packages that ship it (empty or absent:
// the line says no Debian package of the suite provides it, or nothing when providers is empty).
std::string describe_missing(const ClosureReport& report,
                             const std::map<std::string, std::vector<std::string>>& providers = {});

}  // namespace xbuild::image
