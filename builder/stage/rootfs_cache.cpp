#include "builder/stage/rootfs_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/stage/rootfs_builder.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

stdfs::path default_cache_dir() {
    if (const char* env = std::getenv("XBUILD_CACHE"); env && *env) return env;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return stdfs::path(xdg) / "xbuild";
    return fs::home_dir() / ".cache" / "xbuild";
}

namespace {

// flock on locks/<key>.lock. The lock file is unlinked by a holder whose build failed, so
// a waiter re-checks after locking that its fd still names the file on disk.
class KeyLock {
  public:
    KeyLock(const stdfs::path& file, const Reporter& reporter, const std::string& what) : m_file(file) {
        for (;;) {
            m_fd = Fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
            if (!m_fd) fail("failed to open lock {}: {}", file.string(), errno_text(errno));
            if (::flock(m_fd.get(), LOCK_EX | LOCK_NB) != 0) {
                if (errno != EWOULDBLOCK) fail("failed to lock {}: {}", file.string(), errno_text(errno));
                reporter.info("waiting for another xbuild process building " + what);
                while (::flock(m_fd.get(), LOCK_EX) != 0) {
                    if (errno != EINTR) fail("failed to lock {}: {}", file.string(), errno_text(errno));
                }
            }
            struct stat held, on_disk;
            if (::fstat(m_fd.get(), &held) == 0 && ::stat(file.c_str(), &on_disk) == 0 &&
                held.st_ino == on_disk.st_ino && held.st_dev == on_disk.st_dev)
                return;
        }
    }
    // Removes the lock file (while holding it) so that nothing is left behind.
    void remove() { ::unlink(m_file.c_str()); }

  private:
    stdfs::path m_file;
    Fd m_fd;
};

void touch(const stdfs::path& path) {
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
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

std::optional<CacheEntry> RootfsCache::find(const std::string& key) const {
    stdfs::path dir = m_dir / "rootfs" / key;
    struct stat st;
    if (::stat((dir / "stage.json").c_str(), &st) != 0) return std::nullopt;
    return CacheEntry{key, dir, dir / "root", false};
}

CacheEntry RootfsCache::ensure_entry(const std::string& key, const std::string& what,
                                     const BuildFunction& build, const Reporter& reporter) {
    if (auto hit = find(key)) {
        touch(hit->dir);
        return *hit;
    }
    KeyLock lock(m_dir / "locks" / (key + ".lock"), reporter, what);
    if (auto hit = find(key)) {  // built by the process we waited for
        touch(hit->dir);
        return *hit;
    }
    // Partial builds of this key left by a killed process: we hold the lock, so they are dead.
    for (const auto& entry : stdfs::directory_iterator(m_dir / "rootfs")) {
        if (entry.path().filename().string().rfind(".build-" + key, 0) == 0) fs::remove_tree(entry.path());
    }

    Step step(reporter, "building " + what);
    fs::TempDir temp(m_dir / "rootfs", ".build-" + key + "-");
    nlohmann::json info;
    try {
        info = build(temp.path());
    } catch (const Error& error) {
        // Keep the log outside the cache so that a failed build leaves nothing in it.
        stdfs::path kept = stdfs::temp_directory_path() / fmt::format("xbuild-stage-{}.log", key);
        std::error_code ignored;
        stdfs::copy_file(temp.path() / "build.log", kept, stdfs::copy_options::overwrite_existing, ignored);
        lock.remove();
        std::string message = error.what();
        if (!ignored) message += " (log: " + kept.string() + ")";
        throw Error(message);
    }
    std::uint64_t bytes = fs::tree_size(temp.path() / "root");
    info["key"] = key;
    info["bytes"] = bytes;
    info["created"] = static_cast<long long>(::time(nullptr));
    fs::write_file_atomic(temp.path() / "stage.json", info.dump(2) + "\n");
    stdfs::path final_dir = m_dir / "rootfs" / key;
    if (::rename(temp.path().c_str(), final_dir.c_str()) != 0)
        fail("failed to move the built stage to {}: {}", final_dir.string(), errno_text(errno));
    temp.release();
    lock.remove();
    step.done();
    return CacheEntry{key, final_dir, final_dir / "root", true};
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

std::pair<int, std::uint64_t> RootfsCache::prune(std::optional<std::chrono::seconds> older_than,
                                                 const Reporter& reporter) {
    int removed = 0;
    std::uint64_t freed = 0;
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
        KeyLock lock(m_dir / "locks" / (item.key + ".lock"), reporter, item.description);
        stdfs::path dir = m_dir / "rootfs" / item.key;
        // Renamed first, so no reader ever sees a half-removed entry as complete.
        stdfs::path trash = m_dir / "rootfs" / (".trash-" + item.key);
        fs::remove_tree(trash);
        if (::rename(dir.c_str(), trash.c_str()) != 0) continue;
        fs::remove_tree(trash);
        lock.remove();
        reporter.verbose(
            fmt::format("removed {} {} ({})", item.key, item.description, format_bytes(item.bytes)));
        ++removed;
        freed += item.bytes;
        removed_keys.push_back(item.key);
    }
    // Partial builds whose builder is gone: their key lock is free.
    std::error_code error;
    for (const auto& entry : stdfs::directory_iterator(m_dir / "rootfs", error)) {
        std::string name = entry.path().filename().string();
        if (name.rfind(".build-", 0) != 0 && name.rfind(".trash-", 0) != 0) continue;
        std::string key = name.substr(7, 24);
        Fd fd(::open((m_dir / "locks" / (key + ".lock")).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
            fs::remove_tree(entry.path());
            ::unlink((m_dir / "locks" / (key + ".lock")).c_str());
        }
    }
    return {removed, freed};
}

}  // namespace xbuild::stage
