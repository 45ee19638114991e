#include "builder/stage/result_cache.hpp"

#include <sys/stat.h>

#include <cstdlib>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

namespace {

// Written last into a staged entry: a directory without it is not a result.
constexpr const char* k_complete = ".complete";

}  // namespace

std::string binary_identity() {
    struct stat st {};
    if (::stat("/proc/self/exe", &st) != 0) return "unknown";
    return fmt::format("{}:{}.{}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
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
    : m_dir(cache.dir() / kind), m_work(cache.dir() / "work") {
    fs::make_dirs(m_dir);
    fs::make_dirs(m_work);
}

std::optional<ResultEntry> ResultCache::find(const std::string& key) const {
    const stdfs::path dir = m_dir / key;
    auto lock = fs::FileLock::acquire(dir, fs::LockMode::shared, fs::LockWait::block);
    // Gone, or removed by prune while we waited for the lock.
    if (!lock || !lock->still_at(dir)) return std::nullopt;
    std::error_code error;
    if (!stdfs::exists(dir / k_complete, error)) return std::nullopt;
    return ResultEntry{dir, std::make_shared<const fs::FileLock>(std::move(*lock))};
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
    return ResultEntry{dir, std::make_shared<const fs::FileLock>(staged.release())};
}

}  // namespace xbuild::stage
