#include "app/cache.hpp"

#include <optional>

#include "builder/core/duration.hpp"
#include "builder/core/fs.hpp"

namespace xbuild::app {

CacheList cache_list(const Session& session) {
    stage::RootfsCache cache(session.cache());
    return {cache.dir(), cache.list()};
}

CachePruneReport cache_prune(const Session& session, const std::string& older_than) {
    std::optional<std::chrono::seconds> limit;
    if (!older_than.empty()) limit = parse_duration(older_than);
    stage::RootfsCache cache(session.cache());
    CachePruneReport report;
    report.stages = cache.prune(limit, session.reporter());
    // Cached wheels, prebuilds, programs, image blobs and Contents indexes, compile caches, build logs and
    // leftovers of killed builds and sandboxes, by age; what a running build or sandbox holds
    // (locked) stays.
    const long long max_age = limit ? limit->count() : -1;
    for (const char* area :
         {"wheels", "prebuilds", "programs", "images", "contents", "ccache", "logs", "work", "sandbox"}) {
        auto result = fs::prune_children(cache.dir() / area, max_age);
        for (const auto& kept : result.kept)
            report.kept_other.push_back(std::string(area) + "/" + kept.filename().string());
        report.removed_other += result.removed;
        report.freed_other += result.bytes;
    }
    return report;
}

}  // namespace xbuild::app
