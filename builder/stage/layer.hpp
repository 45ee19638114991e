#pragma once
// A stage layer: extra Debian packages installed with apt over a cached base stage and kept
// as an overlay upper directory, so a project's build packages (libyaml-dev:arm64, cython3)
// cost one apt-get install, not a new rootfs. Cached like a rootfs under
// sha256(base key, packages); a sandbox uses it as the lower layer above its base.
#include <string>
#include <vector>

#include "builder/core/log.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/stage/rootfs_cache.hpp"

namespace xbuild::stage {

struct LayerRequest {
    CacheEntry base;               // a toolchain stage (apt and dpkg present)
    std::string base_description;  // "trixie/amd64→arm64 toolchain"
    std::vector<std::string> packages;
};

// The cache key of the layer: base key + sorted packages.
std::string layer_key(const LayerRequest& request);

// The layer entry (built when missing: apt-get update and install with the network on).
// With no packages, returns the base itself.
CacheEntry ensure_layer(RootfsCache& cache, LayerRequest request, const sandbox::Launcher& launcher,
                        const Reporter& reporter);

// Overlay lower layers for a sandbox, topmost first: {layer root, base root}, or {base root}.
std::vector<std::filesystem::path> layer_stack(const CacheEntry& base, const CacheEntry& top);

}  // namespace xbuild::stage
