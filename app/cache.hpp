#pragma once
// The cache use cases: list the cached stage trees, prune what is unused.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "app/session.hpp"
#include "builder/stage/rootfs_cache.hpp"

namespace xbuild::app {

struct CacheList {
    std::filesystem::path dir;
    std::vector<stage::CacheListing> entries;
};

CacheList cache_list(const Session& session);

struct CachePruneReport {
    stage::PruneReport stages;            // rootfs trees and layers
    std::vector<std::string> kept_other;  // "wheels/<key>": in use
    int removed_other = 0;                // wheels, prebuilds, image blobs, indexes, logs, work dirs
    std::uint64_t freed_other = 0;
};

// older_than: "7d", "12h"; empty: everything not in use.
CachePruneReport cache_prune(const Session& session, const std::string& older_than);

}  // namespace xbuild::app
