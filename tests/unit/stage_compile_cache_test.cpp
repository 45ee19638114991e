// XBUILD_CCACHE_REMOTE: what the relay serves and what it refuses, each refusal one line naming the
// variable.
#include <doctest/doctest.h>

#include "builder/core/error.hpp"
#include "builder/stage/compile_cache.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::stage;
using test::contains;

TEST_SUITE("compile cache") {
    TEST_CASE("redis://HOST[:PORT] with ccache's attributes") {
        RemoteStorage storage = parse_remote_storage("redis://cache.example.org");
        CHECK(storage.host == "cache.example.org");
        CHECK(storage.port == "6379");
        CHECK(storage.attributes.empty());
        storage = parse_remote_storage("redis://127.0.0.1:7000/|read-only|connect-timeout=200");
        CHECK(storage.host == "127.0.0.1");
        CHECK(storage.port == "7000");
        CHECK(storage.attributes == "|read-only|connect-timeout=200");
        storage = parse_remote_storage("redis://[::1]:6380");
        CHECK(storage.host == "::1");
        CHECK(storage.port == "6380");
    }

    TEST_CASE("what the relay cannot serve is refused") {
        for (const char* url :
             {"http://cache:8080/ccache", "redis+unix:/run/redis.sock", "rediss://cache:6379"})
            CHECK_THROWS_WITH_AS(
                parse_remote_storage(url),
                contains(std::string("XBUILD_CCACHE_REMOTE=") + url + ": only redis://HOST[:PORT]"), Error);
        for (const char* url : {"redis://user:pw@cache", "redis://cache/2", "redis://", "redis://cache:0",
                                "redis://cache:99999", "redis://cache:x", "redis://[::1"})
            CHECK_THROWS_AS(parse_remote_storage(url), Error);
    }
}
