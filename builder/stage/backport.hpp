#pragma once
// A backport layer: Architecture: all packages of a newer suite unpacked over a toolchain stage of
// an older one, for build tools the older suite serves too old (bullseye's setuptools 52 reads no
// [project] table, and it has no scikit-build-core; Python 3.9 exists only in bullseye). The
// packages come from an extract-only stage of the newer suite (host arch, apt resolves their
// dependencies there); of that tree, the files of the requested packages and of the Python 3
// libraries they pull in (python3-*, Architecture: all) are hard-linked into the layer's root at
// their paths. Nothing arch-specific is taken: the interpreter, compilers and libraries stay the
// older suite's. Cached under sha256(below key, suite, mirror, packages); its packages.tsv is the
// one below with the backported versions in place, so pin checks see what the build will import.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "builder/core/log.hpp"
#include "builder/stage/rootfs_cache.hpp"

namespace xbuild::stage {

struct BackportRequest {
    CacheEntry below;               // the stage or layer it sits on
    std::string below_description;  // "bullseye/amd64 toolchain"
    std::string suite;              // where the packages come from ("trixie")
    std::string mirror;
    std::vector<std::string> packages;  // Architecture: all packages of that suite
    // Files written into the layer after the packages: {absolute path, content}.
    std::vector<std::pair<std::string, std::string>> files;
    // {from, to}: files under the absolute directory `from` go under `to` instead. A Python's
    // packages go to a directory that comes first on its sys.path, so that the backported
    // versions, metadata included, win over the older ones below (an overlay cannot delete the
    // older setuptools-52.0.0.egg-info beside the newer dist-info; importlib.metadata would find it).
    std::pair<std::string, std::string> relocate;
};

std::string backport_key(const BackportRequest& request);

// Which packages of an extract tree's manifest (name, arch, version) the layer takes: the
// requested ones (each must be there, else Error) and every other python3-* package of
// Architecture: all.
std::vector<InstalledPackage> backport_selection(const std::vector<InstalledPackage>& extracted,
                                                 const std::vector<std::string>& requested,
                                                 const std::string& what);

// The paths of one package the layer takes, from its file list (`tar -t`: "./usr/lib/..."):
// everything but directories and documentation. A package built for an arch must be Python
// source with compiled copies (mypyc's tomli): its extension modules, each beside its .py, are
// left out; anything else arch-specific is an Error naming the file.
std::vector<std::string> backport_files(const std::string& list, const InstalledPackage& package);

// Where a package's path (relative, "usr/lib/...") goes in the layer: "/" + path, relocated.
std::filesystem::path backport_target(const std::string& path,
                                      const std::pair<std::string, std::string>& relocate);

// The layer (built when missing). With no packages, returns request.below.
CacheEntry ensure_backport_layer(RootfsCache& cache, BackportRequest request, const Reporter& reporter);

}  // namespace xbuild::stage
