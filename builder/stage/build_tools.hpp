#pragma once
// A project's build-packages, split by what the build suite's archive says of each package (its
// paragraph in the suite's Packages index, as apt over the toolchain base reads it from the stage's
// mirror), after Debian's own rule for cross build-dependencies: a package that is Multi-Arch: foreign
// or Architecture: all is a build tool (swig, cmake, ninja-build, meson, gettext) and goes to the
// toolchain stage's apt layer, in the stage's own arch, where it runs during the build; every other
// package (libraries and their -dev packages: Multi-Arch: same or none) goes to the target's sysroot.
// A -dev package stays in the sysroot whatever its Multi-Arch, the layer getting it too when it is
// foreign or all: header-only libraries are Architecture: all (libasio-dev, nlohmann-json3-dev) or
// Multi-Arch: foreign (libfast-float-dev), and the compiler reads only the sysroot's headers.
// "name:native" (Debian's qualifier for a build-dependency of the build arch) puts a tool the
// archive does not mark in the layer: cython3 and nasm have no Multi-Arch field.
#include <string>
#include <string_view>
#include <vector>

#include "builder/stage/context.hpp"

namespace xbuild::stage {

// The fields of one package's paragraph that decide where it goes.
struct ArchivePackage {
    std::string name;          // Package
    std::string architecture;  // Architecture: "amd64", "all"
    std::string multi_arch;    // Multi-Arch: "foreign", "same", "allowed", "" (none)
};

// The packages of deb822 paragraphs (apt-cache show, a Packages index).
std::vector<ArchivePackage> archive_packages(std::string_view paragraphs);

struct BuildPackageSplit {
    std::vector<std::string> tools;    // for the toolchain stage's apt layer, without ":arch"
    std::vector<std::string> sysroot;  // for the target sysroot, without ":arch"
};

// The split of packages (the project's names, ":arch" allowed) by archive. A package the archive
// does not list (the build suite lacks it, or it is virtual) goes to the sysroot, as every package
// did before the split.
BuildPackageSplit split_build_packages(const std::vector<std::string>& packages,
                                       const std::vector<ArchivePackage>& archive);

// The same, with the archive's paragraphs of packages read by apt in a sandbox over base (a toolchain
// stage; network on): apt-get update and apt-cache show, cached under base's key and the names (an
// unchanged rebuild asks the network nothing). No packages: no run.
BuildPackageSplit split_build_packages(const StageContext& context, const CacheEntry& base,
                                       const std::string& base_description,
                                       const std::vector<std::string>& packages);

}  // namespace xbuild::stage
