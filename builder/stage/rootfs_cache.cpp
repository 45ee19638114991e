#include "builder/stage/rootfs_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/key_lock.hpp"
#include "builder/stage/rootfs_builder.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

std::optional<std::vector<InstalledPackage>> installed_packages(const CacheEntry& entry) {
    return read_installed_packages(entry.dir / "packages.tsv");
}

std::optional<std::vector<InstalledPackage>> read_installed_packages(const stdfs::path& file) {
    if (!stdfs::exists(file)) return std::nullopt;
    std::vector<InstalledPackage> packages;
    const std::string text = fs::read_file(file);  // lines() views into it: it must outlive the loop
    for (std::string_view line : text::lines(text)) {
        auto fields = text::split(line, '\t');
        if (fields.size() >= 3)
            packages.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[2])});
    }
    return packages;
}

stdfs::path default_cache_dir() {
    if (const char* env = std::getenv("XBUILD_CACHE"); env && *env) return env;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return stdfs::path(xdg) / "xbuild";
    return fs::home_dir() / ".cache" / "xbuild";
}

namespace {

void touch(const stdfs::path& path) {
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
}

// A killed build's directory: its processes may still be ending (a sandbox's namespace is torn
// down by the kernel after its init is gone), so removal is retried for a few seconds.
void remove_leftover(const stdfs::path& dir) {
    for (int attempt = 1;; ++attempt) {
        try {
            fs::remove_tree(dir);
            return;
        } catch (const Error& error) {
            if (attempt == 30)
                fail("failed to remove {} left by a killed build: {}", dir.string(), error.what());
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

std::size_t count_lines(const stdfs::path& file) {
    try {
        std::string text = fs::read_file(file);
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    } catch (const Error&) {
        return 0;
    }
}

}  // namespace

RootfsCache::RootfsCache(stdfs::path dir) : m_dir(std::move(dir)) {
    std::error_code error;
    stdfs::create_directories(m_dir / "rootfs", error);
    if (error || !fs::is_writable_dir(m_dir / "rootfs"))
        fail("cache directory {} is not writable{} (set XBUILD_CACHE to another directory)", m_dir.string(),
             error ? ": " + error.message() : std::string());
    stdfs::create_directories(m_dir / "locks", error);
    stdfs::create_directories(sandbox_dir(), error);
    if (error) fail("failed to create {}: {}", sandbox_dir().string(), error.message());
}

stdfs::path RootfsCache::lock_file(const std::string& name) const {
    return m_dir / "locks" / (name + ".lock");
}

std::optional<CacheEntry> RootfsCache::find(const std::string& key) const {
    const stdfs::path dir = m_dir / "rootfs" / key;
    // Waits while prune removes the entry (it holds the exclusive lock only for that): the entry is
    // then gone, or replaced by a new build, which the next round locks.
    for (int round = 0; round < 10; ++round) {
        auto lock = fs::FileLock::acquire(dir, fs::LockMode::shared, fs::LockWait::block);
        if (!lock) return std::nullopt;
        if (!lock->still_at(dir)) continue;
        if (::faccessat(lock->fd(), "stage.json", F_OK, 0) != 0) return std::nullopt;
        return CacheEntry{key, dir, dir / "root", false,
                          std::make_shared<const fs::FileLock>(std::move(*lock))};
    }
    return std::nullopt;
}

void RootfsCache::remove_partial_builds(const std::string& key) const {
    std::error_code error;
    for (const auto& entry : stdfs::directory_iterator(m_dir / "rootfs", error)) {
        if (entry.path().filename().string().rfind(".build-" + key + "-", 0) != 0) continue;
        // Its builder is dead (we hold the key's lock); the supervisor of its mmdebstrap holds this
        // lock until every process that could still write there is gone.
        auto lock = fs::FileLock::acquire(entry.path(), fs::LockMode::exclusive, fs::LockWait::block);
        if (lock) remove_leftover(entry.path());
    }
}

CacheEntry RootfsCache::install(const std::string& key, fs::TempDir& temp, bool built_now) const {
    stdfs::path final_dir = m_dir / "rootfs" / key;
    if (::rename(temp.path().c_str(), final_dir.c_str()) != 0)
        fail("failed to move the stage to {}: {}", final_dir.string(), errno_text(errno));
    // The temp dir's shared lock moves with it: the new entry is in use from its first moment.
    auto in_use = std::make_shared<const fs::FileLock>(temp.release());
    return CacheEntry{key, final_dir, final_dir / "root", built_now, std::move(in_use)};
}

CacheEntry RootfsCache::ensure_entry(const std::string& key, const std::string& what,
                                     const BuildFunction& build, const Reporter& reporter) {
    auto shared = [&](CacheEntry entry) {
        if (m_remote) m_remote->push("rootfs", key, what, entry.dir);
        return entry;
    };
    if (auto hit = find(key)) {
        touch(hit->dir);
        return shared(*hit);
    }
    KeyLock lock(lock_file(key), reporter, what);
    if (auto hit = find(key)) {  // built by the process we waited for
        touch(hit->dir);
        return shared(*hit);
    }
    remove_partial_builds(key);

    if (m_remote) {
        fs::TempDir pulled(m_dir / "rootfs", ".build-" + key + "-");
        if (m_remote->pull("rootfs", key, what, pulled.path()) &&
            stdfs::exists(pulled.path() / "stage.json") && stdfs::is_directory(pulled.path() / "root")) {
            CacheEntry entry = install(key, pulled, false);
            lock.remove();
            return entry;
        }
    }

    Step step(reporter, "building " + what);
    fs::TempDir temp(m_dir / "rootfs", ".build-" + key + "-");
    nlohmann::json info;
    try {
        info = build(temp.path());
    } catch (const Error& error) {
        // The log is kept with the cache's other build logs (never in a shared, predictable /tmp
        // path), and no stage entry is left.
        const stdfs::path kept = m_dir / "logs" / "stages" / (key + ".log");
        bool have_log = false;
        try {
            fs::make_dirs(kept.parent_path());
            fs::copy_file_atomic(temp.path() / "build.log", kept);
            have_log = true;
        } catch (const Error&) {  // no log (the build failed before writing one): the error alone
        }
        lock.remove();
        std::string message = error.what();
        if (have_log) message += " (log: " + kept.string() + ")";
        throw Error(message);
    }
    std::uint64_t bytes = fs::tree_size(temp.path() / "root");
    info["key"] = key;
    info["bytes"] = bytes;
    info["created"] = static_cast<long long>(::time(nullptr));
    fs::write_file_atomic(temp.path() / "stage.json", info.dump(2) + "\n");
    CacheEntry entry = install(key, temp, true);
    lock.remove();
    step.done();
    return shared(std::move(entry));
}

CacheEntry RootfsCache::ensure(const StageSpec& spec, const std::string& variant, const Reporter& reporter) {
    auto build = [&](const stdfs::path& temp) {
        build_rootfs(spec, variant, {temp / "root", temp / "packages.tsv", temp / "build.log"});
        return nlohmann::json{
            {"suite", spec.suite},
            {"arch", std::string(spec.arch->debian)},
            {"target", std::string(spec.target ? spec.target->debian : spec.arch->debian)},
            {"kind", std::string(kind_name(spec.kind))},
            {"variant", variant},
            {"mirror", spec.mirror},
            {"packages", spec.packages},
            {"description", spec.describe()},
        };
    };
    return ensure_entry(spec.key(),
                        fmt::format("rootfs {} ({} packages)", spec.describe(), spec.packages.size()), build,
                        reporter);
}

std::vector<CacheListing> RootfsCache::list() const {
    std::vector<CacheListing> listing;
    std::error_code error;
    for (const auto& entry : stdfs::directory_iterator(m_dir / "rootfs", error)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        CacheListing item;
        item.key = name;
        try {
            auto info = nlohmann::json::parse(fs::read_file(entry.path() / "stage.json"));
            item.description = info.value("description", "");
            item.bytes = info.value("bytes", std::uint64_t{0});
            item.base = info.value("base", "");
        } catch (const std::exception&) {
            item.description = "(unreadable stage.json)";
        }
        item.package_count = count_lines(entry.path() / "packages.tsv");
        struct stat st;
        if (::stat(entry.path().c_str(), &st) == 0)
            item.last_used = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
        listing.push_back(std::move(item));
    }
    std::sort(listing.begin(), listing.end(),
              [](const CacheListing& a, const CacheListing& b) { return a.last_used > b.last_used; });
    return listing;
}

PruneReport RootfsCache::prune(std::optional<std::chrono::seconds> older_than, const Reporter& reporter) {
    PruneReport report;
    auto now = std::chrono::system_clock::now();
    std::vector<std::string> removed_keys;
    auto listing = list();
    // Layers after bases, so that a layer whose base goes goes too.
    std::stable_partition(listing.begin(), listing.end(),
                          [](const CacheListing& item) { return item.base.empty(); });
    for (const CacheListing& item : listing) {
        bool base_removed = !item.base.empty() && std::find(removed_keys.begin(), removed_keys.end(),
                                                            item.base) != removed_keys.end();
        if (!base_removed && older_than && now - item.last_used < *older_than) continue;
        const stdfs::path dir = m_dir / "rootfs" / item.key;
        auto lock = fs::FileLock::acquire(dir, fs::LockMode::exclusive, fs::LockWait::try_once);
        if (!lock) {
            std::error_code error;
            if (stdfs::exists(dir, error))
                report.kept.push_back(fmt::format("kept {} {}: in use", item.key, item.description));
            continue;
        }
        if (!lock->still_at(dir)) continue;
        // Renamed first, so no reader ever sees a half-removed entry as complete.
        const stdfs::path trash = m_dir / "rootfs" / fmt::format(".trash-{}-{}", item.key, ::getpid());
        fs::remove_tree(trash);
        if (::rename(dir.c_str(), trash.c_str()) != 0) continue;
        fs::remove_tree(trash);
        reporter.verbose(
            fmt::format("removed {} {} ({})", item.key, item.description, format_bytes(item.bytes)));
        ++report.removed;
        report.freed += item.bytes;
        removed_keys.push_back(item.key);
    }
    // Partial builds whose builder is gone (their key's lock is free) and whose processes are gone
    // (the directory's lock is free), and removals that were interrupted.
    std::error_code error;
    for (const auto& entry : stdfs::directory_iterator(m_dir / "rootfs", error)) {
        std::string name = entry.path().filename().string();
        const bool partial = name.rfind(".build-", 0) == 0;
        if (!partial && name.rfind(".trash-", 0) != 0) continue;
        std::optional<KeyLock> key_lock;
        if (partial) {
            key_lock = KeyLock::try_lock(lock_file(name.substr(7, 24)));
            if (!key_lock) continue;
        }
        auto lock = fs::FileLock::acquire(entry.path(), fs::LockMode::exclusive, fs::LockWait::try_once);
        if (!lock) continue;
        fs::remove_tree(entry.path());
        if (key_lock) key_lock->remove();
    }
    return report;
}

}  // namespace xbuild::stage
