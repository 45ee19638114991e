#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/file_lock.hpp"
#include "builder/core/fs.hpp"
#include "builder/stage/key_lock.hpp"
#include "builder/stage/result_cache.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::stage;
namespace stdfs = std::filesystem;
using xbuild::test::contains;

namespace {

const Reporter k_quiet(Verbosity::quiet);
const std::string k_key = "0123456789abcdef01234567";

struct Cache {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-cache-test-"};
    RootfsCache cache{dir.path()};
    int builds = 0;

    CacheEntry ensure(const std::string& key) {
        return cache.ensure_entry(
            key, "test entry",
            [&](const stdfs::path& temp) {
                ++builds;
                fs::make_dirs(temp / "root");
                fs::write_file_atomic(temp / "root" / "file", "x");
                return nlohmann::json{{"description", "test " + key}};
            },
            k_quiet);
    }
};

}  // namespace

TEST_SUITE("rootfs cache") {
    TEST_CASE("an entry is built once and found locked in use") {
        Cache c;
        auto first = c.ensure(k_key);
        CHECK(first.built_now);
        REQUIRE(first.in_use);
        CHECK(stdfs::exists(first.root / "file"));
        auto second = c.ensure(k_key);
        CHECK_FALSE(second.built_now);
        CHECK(c.builds == 1);
        REQUIRE(second.in_use);
        CHECK_FALSE(fs::FileLock::acquire(first.dir, fs::LockMode::exclusive, fs::LockWait::try_once));
        CHECK_FALSE(stdfs::exists(c.cache.lock_file(k_key)));  // removed after the build
    }

    TEST_CASE("prune keeps an entry in use and says so; removes it once it is released") {
        Cache c;
        std::optional<CacheEntry> used = c.ensure(k_key);
        auto report = c.cache.prune(std::nullopt, k_quiet);
        CHECK(report.removed == 0);
        REQUIRE(report.kept.size() == 1);
        CHECK(report.kept.front() == "kept " + k_key + " test " + k_key + ": in use");
        CHECK(stdfs::exists(used->root / "file"));
        auto copy = *used;  // a copy holds the lock too
        used.reset();
        CHECK(c.cache.prune(std::nullopt, k_quiet).removed == 0);
        copy = CacheEntry{};
        report = c.cache.prune(std::nullopt, k_quiet);
        CHECK(report.removed == 1);
        CHECK(report.kept.empty());
        CHECK_FALSE(c.cache.find(k_key));
        CHECK(c.cache.list().empty());
    }

    TEST_CASE("find locks the entry: prune cannot remove it afterwards") {
        Cache c;
        c.ensure(k_key);
        auto found = c.cache.find(k_key);
        REQUIRE(found);
        CHECK(c.cache.prune(std::nullopt, k_quiet).kept.size() == 1);
        found.reset();
        CHECK(c.cache.prune(std::nullopt, k_quiet).removed == 1);
    }

    TEST_CASE("a killed build's directory is removed under the key's lock, then the entry is built") {
        Cache c;
        const stdfs::path partial = c.dir.path() / "rootfs" / (".build-" + k_key + "-AbCdEf");
        fs::make_dirs(partial / "root" / "etc");
        ::chmod((partial / "root" / "etc").c_str(), 0555);
        auto entry = c.ensure(k_key);
        CHECK(entry.built_now);
        CHECK_FALSE(stdfs::exists(partial));
    }

    TEST_CASE("prune removes partial builds, except one whose builder or processes still run") {
        Cache c;
        const stdfs::path rootfs = c.dir.path() / "rootfs";
        const std::string other = "fedcba9876543210fedcba98";
        fs::make_dirs(rootfs / (".build-" + k_key + "-dead00"));
        fs::make_dirs(rootfs / (".build-" + other + "-live00"));
        fs::make_dirs(rootfs / (".trash-" + k_key + "-1234"));
        fs::make_dirs(rootfs / (".build-" + k_key + "-busy00"));
        // A live builder of `other` holds its key's lock; a supervisor still holds busy00's directory.
        KeyLock builder(c.cache.lock_file(other), k_quiet, "other");
        auto busy = fs::FileLock::acquire(rootfs / (".build-" + k_key + "-busy00"), fs::LockMode::shared,
                                          fs::LockWait::block);
        c.cache.prune(std::nullopt, k_quiet);
        CHECK_FALSE(stdfs::exists(rootfs / (".build-" + k_key + "-dead00")));
        CHECK_FALSE(stdfs::exists(rootfs / (".trash-" + k_key + "-1234")));
        CHECK(stdfs::exists(rootfs / (".build-" + other + "-live00")));
        CHECK(stdfs::exists(rootfs / (".build-" + k_key + "-busy00")));
        busy.reset();
        c.cache.prune(std::nullopt, k_quiet);
        CHECK_FALSE(stdfs::exists(rootfs / (".build-" + k_key + "-busy00")));
    }

    TEST_CASE("a failed build leaves nothing in the cache and names its log") {
        Cache c;
        auto fail_build = [](const stdfs::path& temp) -> nlohmann::json {
            fs::write_file_atomic(temp / "build.log", "E: broken\n");
            fail("building it failed");
        };
        CHECK_THROWS_WITH_AS(c.cache.ensure_entry(k_key, "test entry", fail_build, k_quiet),
                             contains("building it failed (log: "), Error);
        CHECK(fs::prune_children(c.dir.path() / "rootfs", -1).removed == 0);
        CHECK_FALSE(stdfs::exists(c.cache.lock_file(k_key)));
    }

    TEST_CASE("KeyLock: one holder at a time") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-keylock-test-");
        const stdfs::path file = dir.path() / "k.lock";
        std::optional<KeyLock> held = KeyLock::try_lock(file);
        REQUIRE(held);
        CHECK_FALSE(KeyLock::try_lock(file));
        held->remove();
        // The holder removed the file: a new locker gets a new one at once.
        CHECK(KeyLock::try_lock(file));
    }
}

namespace {

// A shared cache in memory-backed directories: what a registry cache does, without the network.
struct FakeRemote : RemoteCache {
    stdfs::path store;
    mutable std::vector<std::string> pulls, pushes;
    bool pull(std::string_view kind, const std::string& key, const std::string&,
              const stdfs::path& dir) const override {
        pulls.push_back(std::string(kind) + "/" + key);
        const stdfs::path from = store / kind / key;
        if (!stdfs::exists(from)) return false;
        stdfs::copy(from, dir, stdfs::copy_options::recursive);
        return true;
    }
    void push(std::string_view kind, const std::string& key, const std::string&,
              const stdfs::path& dir) const override {
        const stdfs::path to = store / kind / key;
        if (stdfs::exists(to)) return;
        pushes.push_back(std::string(kind) + "/" + key);
        stdfs::create_directories(to);
        stdfs::copy(dir, to, stdfs::copy_options::recursive);
    }
};

}  // namespace

TEST_SUITE("rootfs cache: a shared cache behind it") {
    TEST_CASE("machine A pushes what it builds; machine B pulls it instead of building") {
        fs::TempDir shared(stdfs::temp_directory_path(), "xbuild-remote-test-");
        auto remote = std::make_shared<FakeRemote>();
        remote->store = shared.path();
        Cache a, b;
        a.cache.set_remote(remote);
        b.cache.set_remote(remote);
        auto built = a.ensure(k_key);
        CHECK(built.built_now);
        CHECK(remote->pushes == std::vector<std::string>{"rootfs/" + k_key});
        auto pulled = b.ensure(k_key);
        CHECK(b.builds == 0);
        CHECK_FALSE(pulled.built_now);
        CHECK(fs::read_file(pulled.root / "file") == "x");
        REQUIRE(pulled.in_use);
        CHECK(b.cache.find(k_key));  // an ordinary entry of B's cache now

        // Results: B finds A's stored result through the shared cache.
        const ResultCache a_results(a.cache, "wheels"), b_results(b.cache, "wheels");
        const std::string result_key = "fedcba9876543210fedcba9876543210";
        CHECK_FALSE(b_results.find(result_key));  // nowhere yet
        fs::TempDir staged = a_results.stage();
        fs::write_file_atomic(staged.path() / "x.whl", "wheel");
        a_results.store(result_key, staged);
        CHECK(remote->pushes.back() == "wheels/" + result_key);
        auto found = b_results.find(result_key);
        REQUIRE(found);
        CHECK(fs::read_file(found->dir / "x.whl") == "wheel");
    }

    TEST_CASE("a pulled directory that is not a complete entry is not used: the entry is built") {
        fs::TempDir shared(stdfs::temp_directory_path(), "xbuild-remote-test-");
        auto remote = std::make_shared<FakeRemote>();
        remote->store = shared.path();
        fs::make_dirs(shared.path() / "rootfs" / k_key / "root");  // no stage.json
        Cache c;
        c.cache.set_remote(remote);
        auto entry = c.ensure(k_key);
        CHECK(entry.built_now);
        CHECK(c.builds == 1);
        // A result without its .complete marker (or another key's) is not one either.
        fs::make_dirs(shared.path() / "wheels" / "k1");
        fs::write_file_atomic(shared.path() / "wheels" / "k1" / ".complete", "k2\n");
        CHECK_FALSE(ResultCache(c.cache, "wheels").find("k1"));
    }
}
