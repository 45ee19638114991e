#pragma once
// The stage rootfs cache: $XBUILD_CACHE, else $XDG_CACHE_HOME/xbuild, else ~/.cache/xbuild.
//
//   rootfs/<key>/root          the tree (read-only lower layer of every sandbox)
//   rootfs/<key>/stage.json    the stage's inputs, size, creation time
//   rootfs/<key>/packages.tsv  installed packages: name, arch, version (dpkg-query)
//   rootfs/.build-<key>-XXXX   an entry being built; renamed into place when complete
//   locks/<key>.lock           flock: one builder per key, others wait and reuse
//   sandbox/run-XXXXXX         a running sandbox's scratch: overlay upper and work, new root mount point
//
// An entry's directory mtime is its last use (for `xbuild cache prune --older-than`).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <functional>

#include <nlohmann/json.hpp>

#include "builder/core/log.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::stage {

std::filesystem::path default_cache_dir();

struct CacheEntry {
    std::string key;
    std::filesystem::path dir;
    std::filesystem::path root;
    bool built_now = false;
};

struct CacheListing {
    std::string key;
    std::string description;  // "trixie/arm64 runtime"
    std::string base;         // layers: the key of the entry below
    std::size_t package_count = 0;
    std::uint64_t bytes = 0;
    std::chrono::system_clock::time_point last_used;
};

class RootfsCache {
  public:
    // Creates the cache directory if needed; throws Error when it is not writable.
    explicit RootfsCache(std::filesystem::path dir);

    const std::filesystem::path& dir() const { return m_dir; }
    // Where sandbox runs keep their scratch directories (overlay upper and work, on disk).
    std::filesystem::path sandbox_dir() const { return m_dir / "sandbox"; }

    // The entry for spec, building it first when missing (spec must be normalized and
    // have its base packages). Concurrent callers for the same key: one builds, the rest
    // wait on the lock and reuse the result.
    CacheEntry ensure(const StageSpec& spec, const std::string& variant, const Reporter& reporter);
    // The entry if it is complete, without building.
    std::optional<CacheEntry> find(const std::string& key) const;

    // Fills a temporary entry directory: TEMP/root (the tree), optionally TEMP/packages.tsv,
    // and TEMP/build.log; returns the facts stored in stage.json ("description" shown by ls,
    // "base" naming the entry a layer sits on). Throws Error to abandon the build.
    using BuildFunction = std::function<nlohmann::json(const std::filesystem::path& temp)>;
    // The generic build-once protocol: lock, build in a temp dir, rename into place; on
    // failure nothing stays in the cache and the log is copied to /tmp.
    CacheEntry ensure_entry(const std::string& key, const std::string& what, const BuildFunction& build,
                            const Reporter& reporter);

    std::vector<CacheListing> list() const;
    // Removes entries unused for longer than older_than (all when nullopt) and stale
    // partial builds; returns how many entries were removed and bytes freed.
    std::pair<int, std::uint64_t> prune(std::optional<std::chrono::seconds> older_than,
                                        const Reporter& reporter);

  private:
    std::filesystem::path m_dir;
};

}  // namespace xbuild::stage
