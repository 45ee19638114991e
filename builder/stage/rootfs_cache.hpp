#pragma once
// The stage rootfs cache: $XBUILD_CACHE, else $XDG_CACHE_HOME/xbuild, else ~/.cache/xbuild.
//
//   rootfs/<key>/root          the tree (read-only lower layer of every sandbox)
//   rootfs/<key>/stage.json    the stage's inputs, size, creation time
//   rootfs/<key>/packages.tsv  installed packages: name, arch, version (dpkg-query)
//   rootfs/.build-<key>-XXXX   an entry being built; renamed into place when complete
//   rootfs/.trash-<key>-PID    an entry being removed by prune
//   locks/<key>.lock           flock: one builder per key, others wait and reuse (see key_lock.hpp)
//   sandbox/run-XXXXXX         a running sandbox's scratch: overlay upper and work, new root mount point
//
// An entry's directory mtime is its last use (for `xbuild cache prune --older-than`).
//
// In use: whoever uses an entry holds a shared flock on its directory (CacheEntry::in_use, held
// from find() or the build until the last copy of the entry is gone). Prune locks an entry
// exclusively without waiting, skips it when that fails ("kept <key> <description>: in use"),
// and renames it away before removing it; find() re-checks after locking that the directory it
// locked is still the entry's, so "found" and "locked" are one step. The lock is on the entry's
// directory, which is never replaced while it exists: a lock file that prune could unlink and
// recreate would lock nothing. A build's directory is locked the same way (by its TempDir and by
// the supervisor of the mmdebstrap it runs), and the lock moves with it when it is renamed into
// place: a killed build's directory is removed (under the key's lock) only once the last process
// that could write there is gone.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "builder/core/file_lock.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"
#include "builder/stage/remote_cache.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::stage {

std::filesystem::path default_cache_dir();

struct CacheEntry {
    std::string key;
    std::filesystem::path dir;
    std::filesystem::path root;
    bool built_now = false;
    // The shared lock that marks the entry in use; released with the last copy.
    std::shared_ptr<const fs::FileLock> in_use;
};

// One line of an entry's packages.tsv.
struct InstalledPackage {
    std::string name, arch, version;
};
// The packages an entry lists in its packages.tsv (a layer's list covers its base too); nullopt
// when the entry has no such file.
std::optional<std::vector<InstalledPackage>> installed_packages(const CacheEntry& entry);
// The lines of a packages.tsv file (name, arch, version); nullopt when it does not exist.
std::optional<std::vector<InstalledPackage>> read_installed_packages(const std::filesystem::path& file);

struct PruneReport {
    int removed = 0;
    std::uint64_t freed = 0;
    std::vector<std::string> kept;  // "kept <key> <description>: in use"
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
    // The entry if it is complete, without building; locked in use.
    std::optional<CacheEntry> find(const std::string& key) const;

    // Fills a temporary entry directory: TEMP/root (the tree), optionally TEMP/packages.tsv,
    // and TEMP/build.log; returns the facts stored in stage.json ("description" shown by ls,
    // "base" naming the entry a layer sits on). Throws Error to abandon the build.
    using BuildFunction = std::function<nlohmann::json(const std::filesystem::path& temp)>;
    // The generic build-once protocol: lock the key, remove partial builds of killed processes,
    // build in a temp dir, rename into place; on failure nothing stays in the cache and the log
    // is copied to /tmp.
    CacheEntry ensure_entry(const std::string& key, const std::string& what, const BuildFunction& build,
                            const Reporter& reporter);

    std::vector<CacheListing> list() const;
    // Removes entries unused for longer than older_than (all when nullopt) and not in use, and
    // stale partial builds; says which entries were kept because they are in use.
    PruneReport prune(std::optional<std::chrono::seconds> older_than, const Reporter& reporter);
    // The lock file of a key (or of another name made of [A-Za-z0-9._-]) in locks/.
    std::filesystem::path lock_file(const std::string& name) const;

    // The shared cache behind this one (remote_cache.hpp): ensure_entry pulls a missing entry from
    // it before building, and pushes every entry it returns; so do the result caches made on this one.
    void set_remote(std::shared_ptr<const RemoteCache> remote) { m_remote = std::move(remote); }
    const RemoteCache* remote() const { return m_remote.get(); }

  private:
    // Removes rootfs/.build-<key>-* left by killed processes; the caller holds the key's lock.
    void remove_partial_builds(const std::string& key) const;

    // Moves a complete entry directory (root/, stage.json, ...) into place as key's entry.
    CacheEntry install(const std::string& key, fs::TempDir& temp, bool built_now) const;

    std::filesystem::path m_dir;
    std::shared_ptr<const RemoteCache> m_remote;
};

}  // namespace xbuild::stage
