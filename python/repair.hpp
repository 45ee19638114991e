#pragma once
// auditwheel's job for any arch: libraries outside the manylinux policy are grafted into the
// wheel (resolved inside the TARGET stage, not the host), dependents are patched to find them
// ($ORIGIN-relative RUNPATH, hashed sonames), and the wheel gets its honest platform tag.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/elf/graft.hpp"
#include "builder/elf/resolver.hpp"
#include "python/graft_sbom.hpp"
#include "python/wheel_archive.hpp"

namespace xbuild::python {

struct RepairOptions {
    // "" or a policy/tag the wheel must meet (auditwheel's --plat). As auditwheel does, the wheel keeps
    // the lowest policy it meets and also gets this tag, unless only_plat.
    std::string plat;
    bool strip = false;
    long long source_date_epoch = 315532800;
    // Where the wheel is extracted and edited (a temporary directory inside it, removed afterwards);
    // empty: the system's temporary directory.
    std::filesystem::path work_dir;
    // A policy the wheel may not exceed (its build's glibc floor, "manylinux_2_31"): a file that needs
    // more is an error naming it and the symbol. The wheel is tagged with the lowest policy it meets
    // and with the floor (what auditwheel does with the manylinux image's AUDITWHEEL_PLAT).
    std::string floor;
    std::string floor_source;  // how the floor was chosen, for the error: "--manylinux"
    bool only_plat = false;    // only the plat's (or the floor's) tag, not also the lowest policy's
    // Sonames (fnmatch globs: "libcuda.so.*") left out of the wheel, to the system it is installed on
    // (auditwheel's --exclude): not grafted, and not counted against the policy.
    std::vector<std::string> exclude;
    std::string lib_sdir = ".libs";  // grafts go to <distribution><lib_sdir>/ (auditwheel's --lib-sdir)
    // Who shipped the grafted libraries: with it, a wheel that got grafts gets
    // <dist-info>/sboms/xbuild.cdx.json (python/graft_sbom.hpp); nullptr: no SBOM.
    const PackageOwners* owners = nullptr;
};

struct RepairResult {
    std::filesystem::path wheel;  // written into out_dir
    std::string policy;           // the lowest tagged: manylinux_2_17
    std::string platform_tag;     // manylinux_2_17_aarch64.manylinux2014_aarch64.manylinux_2_31_aarch64
    std::vector<elf::GraftedLibrary> grafted;
};

// Repairs wheel for arch with libraries from resolver's stage and writes the result into
// out_dir. Throws Error naming the wheel and the blocking file/symbol/library when the wheel
// cannot be repaired or cannot meet options.plat.
RepairResult repair_wheel(const std::filesystem::path& wheel, const Arch& arch,
                          const elf::LibraryResolver& resolver, const std::filesystem::path& out_dir,
                          const RepairOptions& options);
// The same for a wheel read already (Wheel::read checks it before any stage is made for its repair).
RepairResult repair_wheel(Wheel wheel, const Arch& arch, const elf::LibraryResolver& resolver,
                          const std::filesystem::path& out_dir, const RepairOptions& options);

}  // namespace xbuild::python
