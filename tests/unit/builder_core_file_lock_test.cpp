#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "builder/core/file_lock.hpp"
#include "builder/core/fs.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;
using fs::FileLock;
using fs::LockMode;
using fs::LockWait;

TEST_SUITE("file lock") {
    TEST_CASE("shared locks coexist; an exclusive one waits for none of them to be held") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-lock-test-");
        const stdfs::path entry = dir.path() / "entry";
        fs::make_dirs(entry);
        auto first = FileLock::acquire(entry, LockMode::shared, LockWait::try_once);
        auto second = FileLock::acquire(entry, LockMode::shared, LockWait::try_once);
        REQUIRE(first);
        REQUIRE(second);
        CHECK_FALSE(FileLock::acquire(entry, LockMode::exclusive, LockWait::try_once));
        first.reset();
        CHECK_FALSE(FileLock::acquire(entry, LockMode::exclusive, LockWait::try_once));
        second.reset();
        auto exclusive = FileLock::acquire(entry, LockMode::exclusive, LockWait::try_once);
        REQUIRE(exclusive);
        CHECK_FALSE(FileLock::acquire(entry, LockMode::shared, LockWait::try_once));
    }

    TEST_CASE("a missing path is no lock; still_at sees a rename") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-lock-test-");
        CHECK_FALSE(FileLock::acquire(dir.path() / "missing", LockMode::shared, LockWait::block));
        fs::make_dirs(dir.path() / "a");
        auto lock = FileLock::acquire(dir.path() / "a", LockMode::shared, LockWait::block);
        REQUIRE(lock);
        CHECK(lock->still_at(dir.path() / "a"));
        stdfs::rename(dir.path() / "a", dir.path() / "b");
        fs::make_dirs(dir.path() / "a");
        CHECK_FALSE(lock->still_at(dir.path() / "a"));
        CHECK(lock->still_at(dir.path() / "b"));
    }

    TEST_CASE("a TempDir is in use while it lives; prune_children keeps it and says so") {
        fs::TempDir area(stdfs::temp_directory_path(), "xbuild-lock-area-");
        fs::make_dirs(area.path() / "old");
        std::optional<fs::TempDir> live;
        live.emplace(area.path(), "work-");
        CHECK_FALSE(FileLock::acquire(live->path(), LockMode::exclusive, LockWait::try_once));
        auto result = fs::prune_children(area.path(), -1);
        CHECK(result.removed == 1);
        REQUIRE(result.kept.size() == 1);
        CHECK(result.kept.front() == live->path());
        CHECK(stdfs::exists(live->path()));
        const stdfs::path path = live->path();
        live.reset();
        CHECK_FALSE(stdfs::exists(path));
    }

    TEST_CASE("TempDir::release keeps the directory and hands over its lock") {
        fs::TempDir parent(stdfs::temp_directory_path(), "xbuild-lock-release-");
        stdfs::path path;
        {
            fs::TempDir temp(parent.path(), "t-");
            path = temp.path();
            FileLock lock = temp.release();
            CHECK(lock);
            CHECK_FALSE(FileLock::acquire(path, LockMode::exclusive, LockWait::try_once));
        }
        CHECK(stdfs::exists(path));
        CHECK(FileLock::acquire(path, LockMode::exclusive, LockWait::try_once));
    }
}
