#pragma once
// A stage layer: extra Debian packages installed with apt over a cached base stage and kept
// as an overlay upper directory, so a project's build requirements and build tools (python3-numpy,
// swig) cost one apt-get install, not a new rootfs. Cached like a rootfs under
// sha256(base key, packages); a sandbox uses it as the lower layer above its base.
#include <filesystem>
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

// A run of apt over base (a layer's install, a query of the archive): network on, apt's capabilities,
// out bound at /xbuild-out, stdout and stderr to log, whose first line is the script. Writes vanish
// with the run unless the caller sets upper_dir and work_dir.
sandbox::SandboxSpec apt_run(const RootfsCache& cache, const CacheEntry& base, const std::string& script,
                             const std::filesystem::path& out, const std::filesystem::path& log);

// Overlay lower layers for a sandbox, topmost first: {layer root, base root}, or {base root}.
std::vector<std::filesystem::path> layer_stack(const CacheEntry& base, const CacheEntry& top);

}  // namespace xbuild::stage
