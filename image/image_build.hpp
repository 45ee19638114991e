#pragma once
// `xbuild image`: per arch, the slim base (image/image_base), a dependencies layer the language
// front ends fill (installed wheels, node_modules), an app layer (xbuild.toml files), the ELF
// closure check over all three, the image config and manifest, an SPDX SBOM attached as an
// artifact; then one index for every arch, written as an oci-archive, a docker-archive, an OCI
// layout, and/or pushed. Nothing of the target arch runs: assembly is file work on the host.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "builder/stage/context.hpp"
#include "image/image_base.hpp"
#include "image/image_config.hpp"
#include "image/sbom.hpp"

namespace xbuild::image {

// Fills root (an empty directory standing for the image's "/") with what the image runs on top of
// the base for arch; returns the components it installed, for the SBOM. Throws Error to stop.
using DependencyInstaller = std::function<std::vector<SbomPackage>(const Arch& arch, const ImageBase& base,
                                                                   const std::filesystem::path& root)>;

enum class ArchiveFormat { oci, docker };

struct ImageOutputs {
    std::filesystem::path archive;  // empty: none
    ArchiveFormat format = ArchiveFormat::oci;
    std::filesystem::path layout;  // OCI image layout directory; empty: none
    bool push = false;             // to the registry the tag names
    std::string credentials;       // "user:password" for the push, "" anonymous
    bool insecure = false;         // plain HTTP to a non-loopback registry
};

struct ImageRequest {
    ImageConfig config;
    std::string python_version;  // the suite's Python (for the base recipe)
    DependencyInstaller install_dependencies;
    ImageOutputs outputs;
    // base = "cc": per arch (Debian name), the packages whose libraries the program was linked against
    // (its sysroot's): preferred when several packages ship a library the closure misses.
    std::map<std::string, std::vector<std::string>> linked_packages;
    long long source_date_epoch = 0;
    int gzip_level = 6;
    // How each arch's base is made: from Debian packages (image_base.hpp), or, in the orchestration
    // tests, from a directory they prepared.
    std::function<ImageBase(const stage::StageContext&, const ImageBaseRequest&)> base = ensure_image_base;
};

struct PlatformImage {
    std::string arch;                      // Debian name: amd64, arm64
    std::string manifest_digest;           // the platform's image manifest
    std::string base;                      // the image base's cache entry (xbuild cache ls)
    std::uint64_t uncompressed_bytes = 0;  // the layers' tar sizes
    std::uint64_t compressed_bytes = 0;    // the layers' blob sizes
    std::vector<std::string> layers;       // "base 14.2M", "dependencies 1.1M", "app 2.0K"
    std::vector<std::string> added;        // base = "cc": "libyaml-0-2 0.2.5-2 (libyaml-0.so.2)"
    std::filesystem::path sbom;            // the SPDX document written beside the archive ("" when none)
    std::size_t sbom_packages = 0;
};

struct ImageResult {
    std::string tag;
    std::string digest;  // the index (or the one manifest of a docker-archive)
    std::vector<PlatformImage> platforms;
};

ImageResult build_image(const stage::StageContext& context, const ImageRequest& request);

// The JSON form of --json.
std::string image_json(const ImageResult& result, const ImageOutputs& outputs);

}  // namespace xbuild::image
