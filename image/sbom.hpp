#pragma once
// The software bill of materials of one image platform, as an SPDX 2.3 JSON document: the image
// itself (a CONTAINER package the document DESCRIBES) and one package per Debian package, wheel and
// npm package in it (each CONTAINED by the image), identified by their package URLs (purl spec). The
// output is canonical: the same input, in any order, gives the same bytes.
#include <string>
#include <vector>

namespace xbuild::image {

struct SbomPackage {
    enum class Kind { deb, pypi, npm };
    std::string name;     // "libyaml-0-2", "PyYAML", "@types/node"
    std::string version;  // "0.2.5-2", "6.0.2", "1:2.4.47-2+b1" ("" when unknown)
    Kind kind = Kind::deb;
    std::string arch;     // deb: "arm64" or "all" ("" when unknown); ignored for pypi and npm
    std::string source;   // deb: the Source package when it differs ("" if the same); " (version)" is dropped
    std::string purl;     // "" = computed by purl_of; else used as it is (must start with "pkg:")
    std::string license;  // an SPDX license expression ("MIT", "Apache-2.0 OR MIT"); "" = NOASSERTION
    std::string supplier;  // "Organization: Debian", "Person: ..."; plain text means an organization;
                           // "" = NOASSERTION
};

struct SbomDocument {
    std::string image_name;    // "xbuild-python-app:1.0", "registry.example:5000/team/app:1.0"
    std::string platform;      // "linux/arm64/v8"
    std::string distro;        // "debian"
    std::string suite;         // "trixie"
    std::string image_digest;  // "sha256:<64 hex>" of the platform's manifest, "" when not known yet
    long long created = 0;     // SOURCE_DATE_EPOCH (seconds, UTC)
    std::string tool;          // "xbuild-0.1.0"
    std::vector<SbomPackage> packages;
};

// The purl "distro" qualifier of a suite: "debian", "trixie" -> "debian-13" (the release number of the
// known Debian codenames), else "<distro>-<suite>" ("debian-sid").
std::string distro_qualifier(const std::string& distro, const std::string& suite);

// The package's purl, computed from its fields (purl spec: names lowercased, components
// percent-encoded; ':' is never encoded):
//   deb:  pkg:deb/debian/libyaml-0-2@0.2.5-2?arch=arm64&distro=debian-13  (+ &upstream=<source>)
//   pypi: pkg:pypi/pyyaml@6.0.2  (the name lowercased, '_' as '-')
//   npm:  pkg:npm/%40types/node@20.1.0
// The deb namespace is the distro of distro_qualifier ("debian-13" -> "debian"). Throws Error for an
// empty name, an npm name that is not "name" or "@scope/name", or a PyPI name that is not PEP 508's.
std::string purl_of(const SbomPackage& package, const std::string& distro_qualifier);

// The SPDX 2.3 JSON document, sorted keys, two-space indentation, a trailing newline; packages in
// (kind, name, version, arch) order, exact duplicates merged. Throws Error naming the image and the
// package for a field that is not UTF-8, a bad purl or digest, or a time outside 1970..9999.
std::string spdx_json(const SbomDocument& document);

}  // namespace xbuild::image
