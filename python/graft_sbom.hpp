#pragma once
// The SBOM of a repaired wheel (PEP 770: <dist-info>/sboms/): a CycloneDX document naming each
// library xbuild grafted into the wheel with the Debian package that shipped it (name, version,
// arch, a pkg:deb purl) and the SHA-256 of the file as that package ships it.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "builder/elf/graft.hpp"

namespace xbuild::python {

struct DebianPackage {
    std::string name, version, arch;  // name "" when no package of the tree can be told to ship it
};

// Which Debian package of a tree (a stage or sysroot root and its packages.tsv) ships a library:
// dpkg's file lists when the tree has them (/var/lib/dpkg/info/*.list), else Debian's library package
// naming (libyaml-0.so.2 → libyaml-0-2, libssl.so.3 → libssl3, with or without t64) checked against the
// packages the tree was made of.
class PackageOwners {
  public:
    PackageOwners(std::filesystem::path root, const std::filesystem::path& packages_tsv, std::string suite);
    DebianPackage owner(const std::string& stage_path, const std::string& soname) const;
    const std::filesystem::path& root() const { return m_root; }
    const std::string& suite() const { return m_suite; }

  private:
    std::filesystem::path m_root;
    std::string m_suite;
    std::map<std::string, DebianPackage> m_packages;  // by name
};

// Debian's name for the package of a shared library's soname (policy 8.1): "libyaml-0.so.2" →
// "libyaml-0-2", "libssl.so.3" → "libssl3", "libfoo.so" → "libfoo"; lower case, '_' as '-'.
std::string library_package_name(const std::string& soname);

// The CycloneDX 1.4 JSON document for wheel (its file name, distribution and version) and its
// grafted libraries; deterministic (no timestamp, no serial number).
std::string graft_sbom(const std::string& wheel_filename, const std::string& distribution,
                       const std::string& version, const std::vector<elf::GraftedLibrary>& grafted,
                       const PackageOwners& owners);

}  // namespace xbuild::python
