#pragma once
// The base of an image for one arch: the suite's interpreter and the libraries it needs, extracted
// from Debian packages of the image's arch (no maintainer script, no target-arch code runs), pruned
// (recipes/image.toml), with the distroless furniture: /etc/passwd and /etc/group (root, nobody,
// nonroot 65532), /tmp, /home/nonroot, and /var/lib/dpkg/status.d/<package> so that scanners (trivy,
// grype) see the Debian packages. Cached like a stage: its tree is the image's first layer.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/stage/context.hpp"
#include "image/image_config.hpp"

namespace xbuild::image {

struct ImageBaseRequest {
    std::string suite;
    const Arch* arch = nullptr;
    BaseKind base = BaseKind::python3;
    std::string python_version;         // the suite's Python ("3.13"), for the recipe's {python}
    std::vector<std::string> packages;  // extra Debian packages (xbuild.toml packages)
    bool shell = false;
};

struct DebianPackage {
    std::string name, version, arch, source;  // source: "" when the same as name
};

struct ImageBase {
    std::string key;                             // the cache entry (part of image cache keys)
    std::filesystem::path root;                  // the finished tree: the base layer
    std::string description;                     // "trixie/arm64 python3 base"
    std::vector<std::string> entrypoint;         // the base's interpreter
    std::vector<std::string> env;                // the base's environment (KEY=VALUE)
    std::string glibc_version;                   // "2.41": libc6's upstream version
    std::vector<DebianPackage> packages;         // what the image holds, sorted by name
    std::shared_ptr<const fs::FileLock> in_use;  // the cache entry's lock (prune keeps it meanwhile)
};

// Builds (or takes from the cache) the base of request. Errors: an unknown package (named), a failed
// extraction (with mmdebstrap's log), a recipe error naming recipes/image.toml.
ImageBase ensure_image_base(const stage::StageContext& context, const ImageBaseRequest& request);

// /var/lib/dpkg/status.d/<package> from a control paragraph: the paragraph with
// "Status: install ok installed" after its Package line.
std::string status_entry(const std::string& control);

}  // namespace xbuild::image
