#include "builder/stage/result_cache.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/process.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

namespace {

// Written last into a staged entry: a directory without it is not a result.
constexpr const char* k_complete = ".complete";

std::mutex g_identity_mutex;
stdfs::path g_identity_binary = "/proc/self/exe";
std::map<stdfs::path, std::string> g_identities;  // by binary

}  // namespace

void set_identity_binary(const stdfs::path& binary) {
    std::lock_guard lock(g_identity_mutex);
    g_identity_binary = binary;
}

std::string binary_identity() {
    std::lock_guard lock(g_identity_mutex);
    auto [at, added] = g_identities.emplace(g_identity_binary, std::string());
    if (added) {
        try {
            at->second = "sha256:" + hash::sha256_file_hex(g_identity_binary);
        } catch (const Error&) {
            g_identities.erase(at);
            throw;
        }
    }
    return at->second;
}

long long source_date_epoch(const stdfs::path& dir, long long fallback) {
    if (const char* env = std::getenv("SOURCE_DATE_EPOCH"); env && *env) return std::atoll(env);
    if (stdfs::exists(dir / ".git") && process::find_program("git")) {
        try {
            std::string out = process::capture({"git", "-C", dir.string(), "log", "-1", "--format=%ct"});
            if (!out.empty()) return std::atoll(out.c_str());
        } catch (const Error&) {
        }
    }
    return fallback;
}

ResultCache::ResultCache(const RootfsCache& cache, std::string kind)
    : m_kind(std::move(kind)),
      m_dir(cache.dir() / m_kind),
      m_work(cache.dir() / "work"),
      m_remote(cache.remote()) {
    fs::make_dirs(m_dir);
    fs::make_dirs(m_work);
}

std::optional<ResultEntry> ResultCache::find_local(const std::string& key) const {
    const stdfs::path dir = m_dir / key;
    auto lock = fs::FileLock::acquire(dir, fs::LockMode::shared, fs::LockWait::block);
    // Gone, or removed by prune while we waited for the lock.
    if (!lock || !lock->still_at(dir)) return std::nullopt;
    std::error_code error;
    if (!stdfs::exists(dir / k_complete, error)) return std::nullopt;
    return ResultEntry{dir, std::make_shared<const fs::FileLock>(std::move(*lock))};
}

ResultEntry ResultCache::shared(const std::string& key, ResultEntry entry) const {
    if (m_remote) m_remote->push(m_kind, key, m_kind + " result", entry.dir);
    return entry;
}

std::optional<ResultEntry> ResultCache::find(const std::string& key) const {
    if (auto entry = find_local(key)) return shared(key, std::move(*entry));
    if (!m_remote) return std::nullopt;
    fs::TempDir staged = stage();
    if (!m_remote->pull(m_kind, key, m_kind + " result", staged.path()) ||
        !stdfs::is_regular_file(staged.path() / k_complete) ||
        fs::read_file(staged.path() / k_complete) != key + "\n")
        return std::nullopt;
    return store(key, staged);
}

fs::TempDir ResultCache::stage() const {
    return fs::TempDir(m_work, "result-");
}

ResultEntry ResultCache::store(const std::string& key, fs::TempDir& staged) const {
    fs::write_file_atomic(staged.path() / k_complete, key + "\n");
    stdfs::path dir = m_dir / key;
    fs::remove_tree(dir);
    std::error_code error;
    stdfs::rename(staged.path(), dir, error);
    if (error) fail("failed to store {} in the cache: {}", dir.string(), error.message());
    // The staging directory's lock moved with it.
    return shared(key, ResultEntry{dir, std::make_shared<const fs::FileLock>(staged.release())});
}

}  // namespace xbuild::stage
