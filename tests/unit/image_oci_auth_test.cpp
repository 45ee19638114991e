#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/auth.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::oci;
using test::contains;

TEST_SUITE("oci auth") {
    TEST_CASE("a docker hub Bearer challenge") {
        const auto challenges = parse_www_authenticate(
            R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")");
        REQUIRE(challenges.size() == 1);
        CHECK(challenges[0].scheme == "bearer");
        CHECK(challenges[0].params.at("realm") == "https://auth.docker.io/token");
        CHECK(challenges[0].params.at("service") == "registry.docker.io");
        CHECK(challenges[0].params.at("scope") == "repository:samalba/my-app:pull,push");
        CHECK(token_url(challenges[0], {"repository:samalba/my-app:pull,push"}) ==
              "https://auth.docker.io/"
              "token?service=registry.docker.io&scope=repository%3Asamalba%2Fmy-app%3Apull%2Cpush");
    }

    TEST_CASE("several challenges, spaces, case, tokens, escapes and an error parameter") {
        const auto challenges = parse_www_authenticate(
            R"(Basic realm="Registry Realm" , BEARER Realm="http://127.0.0.1:5001/auth?x=1", service=local,)"
            R"( error="insufficient_scope", scope="a \"quoted\" b")");
        REQUIRE(challenges.size() == 2);
        CHECK(challenges[0].scheme == "basic");
        CHECK(challenges[0].params.at("realm") == "Registry Realm");
        CHECK(challenges[1].scheme == "bearer");
        CHECK(challenges[1].params.at("realm") == "http://127.0.0.1:5001/auth?x=1");
        CHECK(challenges[1].params.at("service") == "local");
        CHECK(challenges[1].params.at("error") == "insufficient_scope");
        CHECK(challenges[1].params.at("scope") == "a \"quoted\" b");
        CHECK(token_url(challenges[1], {"s1", "s 2"}) ==
              "http://127.0.0.1:5001/auth?x=1&service=local&scope=s1&scope=s%202");
        CHECK(parse_www_authenticate("Bearer").at(0).params.empty());
        CHECK(parse_www_authenticate("Basic abc==").size() == 1);
    }

    TEST_CASE("malformed challenges are errors") {
        for (const char* bad :
             {"", " , ", "Bearer realm=\"unterminated", "Bearer realm=\"a\" junk", "=x", "Bearer a=b c"}) {
            CAPTURE(bad);
            CHECK_THROWS_WITH_AS(parse_www_authenticate(bad), contains("malformed WWW-Authenticate header"),
                                 Error);
        }
        CHECK_THROWS_WITH_AS(parse_www_authenticate("Bearer realm=\"x\ny\" junk"), contains("x\\x0ay"),
                             Error);
    }

    TEST_CASE("token URLs need an http(s) realm") {
        CHECK_THROWS_WITH_AS(token_url(Challenge{"bearer", {}}, {}), contains("has no realm"), Error);
        CHECK_THROWS_WITH_AS(token_url(Challenge{"bearer", {{"realm", "file:///etc/passwd"}}}, {}),
                             contains("is not an http(s) URL"), Error);
        CHECK_THROWS_WITH_AS(token_url(Challenge{"bearer", {{"realm", "https://a b"}}}, {}),
                             contains("not a valid URL"), Error);
        CHECK(token_url(Challenge{"bearer", {{"realm", "https://auth"}}}, {}) == "https://auth");
    }

    TEST_CASE("token answers") {
        CHECK(parse_token_response(R"({"token":"abc","expires_in":300})", "t") == "abc");
        CHECK(parse_token_response(R"({"access_token":"xyz"})", "t") == "xyz");
        CHECK(parse_token_response(R"({"token":"","access_token":"xyz"})", "t") == "xyz");
        CHECK_THROWS_WITH_AS(
            parse_token_response("<html>", "token from https://auth"),
            contains("token from https://auth: the token server's answer is not a JSON object"), Error);
        CHECK_THROWS_WITH_AS(parse_token_response(R"({"token":5})", "t"), contains("has no \"token\""),
                             Error);
        CHECK_THROWS_WITH_AS(parse_token_response(R"({"token":"a\r\nX-Evil: 1"})", "t"),
                             contains("line break"), Error);
    }

    TEST_CASE("Basic credentials and percent-encoding") {
        CHECK(basic_authorization("Aladdin:open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        CHECK(basic_authorization("a:") == "Basic YTo=");
        CHECK(basic_authorization("ab:c") == "Basic YWI6Yw==");
        CHECK_THROWS_WITH_AS(basic_authorization("nopassword"), contains("user:password"), Error);
        CHECK(percent_encode("sha256:ab/c d~-._") == "sha256%3Aab%2Fc%20d~-._");
    }

    TEST_CASE("credentials from a docker config file (docker login, podman login)") {
        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-auth-");
        const auto file = dir.path() / "config.json";
        CHECK(docker_config_credentials(file, "127.0.0.1:5000").empty());  // no file: anonymous
        fs::write_file_atomic(file, R"({"auths": {
            "127.0.0.1:5000": {"auth": "YWxpY2U6czNjcjN0"},
            "https://registry.example.org/v2/": {"username": "bob", "password": "pw:with:colons"},
            "https://index.docker.io/v1/": {"auth": "aHViOmh1Yg=="},
            "bad.example.org": {"auth": "bm8gY29sb24="}},
            "credsStore": "desktop"})");
        CHECK(docker_config_credentials(file, "127.0.0.1:5000") == "alice:s3cr3t");
        CHECK(docker_config_credentials(file, "registry.example.org") == "bob:pw:with:colons");
        CHECK(docker_config_credentials(file, "docker.io") == "hub:hub");
        CHECK(docker_config_credentials(file, "127.0.0.1:5001").empty());
        CHECK_THROWS_WITH_AS(docker_config_credentials(file, "bad.example.org"),
                             contains("auths[\"bad.example.org\"]: \"auth\" is not base64 of user:password"),
                             Error);
        fs::write_file_atomic(file, "{not json");
        CHECK_THROWS_WITH_AS(docker_config_credentials(file, "127.0.0.1:5000"),
                             contains(file.string() + ": not a JSON object"), Error);
    }
}
