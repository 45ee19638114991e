#pragma once
// Finished, tested artifacts of the language front ends (wheels, prebuilds), kept under
// $XBUILD_CACHE/<kind>/<key>/ where key digests every input of the result: the source, the stages,
// the configuration and the xbuild binary. An unchanged rerun takes them from here and does no
// stage, build or test work. `xbuild cache prune` ages them out with the stages, except entries in
// use: find() and store() return the entry with a shared flock on its directory (see fs::TempDir
// and fs::prune_children). Two processes making the same result take a KeyLock first
// (RootfsCache::lock_file): the second waits, then finds the first one's result. With a shared
// cache behind the stage cache (RootfsCache::set_remote), a result missing here is pulled from it,
// and every result found or stored is pushed to it.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "builder/core/fs.hpp"
#include "builder/stage/rootfs_cache.hpp"

namespace xbuild::stage {

// The xbuild binary as an input of cached results: the SHA-256 of its content (computed once per
// process), so a new build of xbuild does not reuse an old one's results, and the same binary on
// another machine finds them in a shared cache (remote_cache.hpp). The binary is the running one
// (/proc/self/exe), else the one set_identity_binary names: a language binding's xbuild program,
// built with the module from the same sources.
std::string binary_identity();
void set_identity_binary(const std::filesystem::path& binary);

// SOURCE_DATE_EPOCH, else the last commit time of the git checkout at dir, else fallback
// (1980-01-01, the zip epoch, for wheels; 0 for image layers).
long long source_date_epoch(const std::filesystem::path& dir, long long fallback = 315532800);

struct ResultEntry {
    std::filesystem::path dir;
    std::shared_ptr<const fs::FileLock> in_use;
};

class ResultCache {
  public:
    // kind: "wheels", "prebuilds" (a directory of the cache).
    ResultCache(const RootfsCache& cache, std::string kind);

    // The entry of key when it is complete (here, or pulled from the shared cache), locked in use.
    std::optional<ResultEntry> find(const std::string& key) const;
    // A new staging directory for an entry, on the cache's file system (removed unless stored).
    fs::TempDir stage() const;
    // Moves staged (from stage()) into place as key's entry, replacing an old one; returns it,
    // locked in use.
    ResultEntry store(const std::string& key, fs::TempDir& staged) const;

  private:
    std::optional<ResultEntry> find_local(const std::string& key) const;
    ResultEntry shared(const std::string& key, ResultEntry entry) const;

    std::string m_kind;
    std::filesystem::path m_dir;
    std::filesystem::path m_work;
    const RemoteCache* m_remote;
};

}  // namespace xbuild::stage
