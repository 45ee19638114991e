#include <doctest/doctest.h>

#include <string>

#include "builder/core/error.hpp"
#include "image/oci/reference.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::oci;
using test::contains;

namespace {
const std::string k_digest = "sha256:" + std::string(64, 'b');

struct Expected {
    const char* text;
    const char* registry;
    const char* repository;
    const char* tag;
    const char* familiar;
};
}  // namespace

TEST_SUITE("oci reference") {
    TEST_CASE("references are normalized as docker does") {
        const Expected cases[] = {
            {"127.0.0.1:5000/app:1", "127.0.0.1:5000", "app", "1", "127.0.0.1:5000/app:1"},
            {"localhost:5000/ns/app", "localhost:5000", "ns/app", "", "localhost:5000/ns/app"},
            {"localhost/app", "localhost", "app", "", "localhost/app"},
            {"ghcr.io/o/r:t", "ghcr.io", "o/r", "t", "ghcr.io/o/r:t"},
            {"app:1", "docker.io", "library/app", "1", "app:1"},
            {"app", "docker.io", "library/app", "", "app"},
            {"user/app:v1.2-rc_3", "docker.io", "user/app", "v1.2-rc_3", "user/app:v1.2-rc_3"},
            {"docker.io/library/app:1", "docker.io", "library/app", "1", "app:1"},
            {"index.docker.io/user/app", "docker.io", "user/app", "", "user/app"},
            {"Registry/app", "Registry", "app", "", "Registry/app"},
            {"[::1]:5000/a.b__c-d---e/f:x", "[::1]:5000", "a.b__c-d---e/f", "x",
             "[::1]:5000/a.b__c-d---e/f:x"},
            {"my-registry.example.com:443/deep/name/space/app:latest", "my-registry.example.com:443",
             "deep/name/space/app", "latest", "my-registry.example.com:443/deep/name/space/app:latest"},
        };
        for (const Expected& expected : cases) {
            CAPTURE(expected.text);
            const Reference ref = parse_reference(expected.text);
            CHECK(ref.registry == expected.registry);
            CHECK(ref.repository == expected.repository);
            CHECK(ref.tag == expected.tag);
            CHECK(ref.digest.empty());
            CHECK(ref.familiar() == expected.familiar);
        }
        CHECK(parse_reference("app:1").to_string() == "docker.io/library/app:1");
        CHECK(parse_reference("app:1").api_host() == "registry-1.docker.io");
        CHECK(parse_reference("ghcr.io/o/r").api_host() == "ghcr.io");
    }

    TEST_CASE("digests are parsed, with or without a tag") {
        Reference ref = parse_reference("name@" + k_digest);
        CHECK(ref.repository == "library/name");
        CHECK(ref.tag.empty());
        CHECK(ref.digest == k_digest);
        ref = parse_reference("localhost:5000/name:1@" + k_digest);
        CHECK(ref.tag == "1");
        CHECK(ref.digest == k_digest);
        CHECK(ref.to_string() == "localhost:5000/name:1@" + k_digest);
    }

    TEST_CASE("loopback registries") {
        CHECK(parse_reference("localhost:5000/a").is_loopback());
        CHECK(parse_reference("127.0.0.1:5000/a").is_loopback());
        CHECK(parse_reference("127.1.2.3/a").is_loopback());
        CHECK(parse_reference("[::1]:5000/a").is_loopback());
        CHECK(parse_reference("[::1]:5000/a").host() == "::1");
        CHECK_FALSE(parse_reference("127.evil.example/a").is_loopback());
        CHECK_FALSE(parse_reference("localhost.example.com/a").is_loopback());
        CHECK_FALSE(parse_reference("ghcr.io/a").is_loopback());
        CHECK_FALSE(parse_reference("app").is_loopback());
    }

    TEST_CASE("invalid references are one-line errors naming the reference") {
        const char* bad[] = {"",
                             "App:1",
                             "127.0.0.1:5000/App",
                             "app:",
                             "app:-x",
                             "app:" /* 129 characters */
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                             "aaaaaaaaaaaaaaaaaaaaaaaa"
                             "aaaaaaaaaaaaaaaaaaaaaaaaaa",
                             "app@sha256:abc",
                             "app@md5:"
                             "0123456789abcdef0123456789abcdef",
                             "/app",
                             "app/",
                             "a//b",
                             "ns/-app",
                             "ns/app-",
                             "ns/a..b",
                             "ns/a___b",
                             "host:port/app",
                             "-host.com/app",
                             "[::1/app",
                             "[zz]:5000/app",
                             ":1",
                             "a b",
                             "app\n:1"};
        for (const char* text : bad) {
            CAPTURE(text);
            CHECK_THROWS_WITH_AS(parse_reference(text), contains("invalid image reference '"), Error);
        }
        try {
            parse_reference("ev\nil");
            FAIL("no error");
        } catch (const Error& error) {
            CHECK(std::string(error.what()).find('\n') == std::string::npos);
            CHECK(std::string(error.what()).find("ev\\x0ail") != std::string::npos);
        }
        const std::string long_name = "r.io/" + std::string(251, 'a');
        CHECK_THROWS_WITH_AS(parse_reference(long_name), contains("longer than 255"), Error);
    }
}
