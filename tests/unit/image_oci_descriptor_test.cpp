#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "image/oci/descriptor.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::oci;
using nlohmann::json;
using test::contains;

namespace {
const std::string k_hex(64, 'a');
const std::string k_digest = "sha256:" + k_hex;
}  // namespace

TEST_SUITE("oci descriptor") {
    TEST_CASE("digests: sha256 of the bytes; only sha256: and 64 lowercase hex digits are valid") {
        CHECK(sha256_digest("abc") ==
              "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(is_valid_digest(k_digest));
        CHECK(digest_hex(k_digest) == k_hex);
        CHECK(short_digest(k_digest) == "sha256:aaaaaaaaaaaa…");
        for (const std::string& bad : std::vector<std::string>{
                 "", "sha256:", "sha256:" + std::string(63, 'a'), "sha256:" + std::string(65, 'a'),
                 "sha256:" + std::string(64, 'A'), "sha512:" + k_hex, "SHA256:" + k_hex,
                 "sha256:../../../../etc/passwd" + std::string(36, 'a'),
                 "sha256:" + std::string(63, 'a') + "g"}) {
            CAPTURE(bad);
            CHECK_FALSE(is_valid_digest(bad));
            CHECK_THROWS_WITH_AS(check_digest(bad, "manifest.json"),
                                 contains("manifest.json: invalid digest"), Error);
        }
        CHECK_THROWS_WITH_AS(check_digest("sha256:\n", "x"), contains("'sha256:\\x0a'"), Error);
    }

    TEST_CASE("platforms of xbuild architectures") {
        CHECK(platform_of(arch_from_name("arm64")) == Platform{"linux", "arm64", "v8"});
        CHECK(platform_of(arch_from_name("x86_64")) == Platform{"linux", "amd64", ""});
        CHECK(to_string(Platform{"linux", "arm64", "v8"}) == "linux/arm64/v8");
        CHECK(to_string(Platform{"linux", "amd64", ""}) == "linux/amd64");
    }

    TEST_CASE("descriptor JSON is canonical and round-trips") {
        Descriptor descriptor{
            std::string(media_type::image_manifest), k_digest, 1234, Platform{"linux", "arm64", "v8"},
            {{"z", "last"}, {"a", "first"}},         ""};
        const std::string text = canonical_dump(to_json(descriptor), "test");
        CHECK(text == R"({"annotations":{"a":"first","z":"last"},"digest":")" + k_digest +
                          R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                          R"("platform":{"architecture":"arm64","os":"linux","variant":"v8"},"size":1234})");
        CHECK(descriptor_from_json(json::parse(text), "test") == descriptor);

        Descriptor plain{std::string(media_type::layer_tar_gzip), k_digest, 0};
        CHECK(canonical_dump(to_json(plain), "test") ==
              R"({"digest":")" + k_digest +
                  R"(","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":0})");
        plain.artifact_type = "application/vnd.example+json";
        CHECK(descriptor_from_json(to_json(plain), "test") == plain);
    }

    TEST_CASE("unknown fields are ignored") {
        json value = {{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                      {"digest", k_digest},
                      {"size", 5},
                      {"urls", {"https://example.com/x"}},
                      {"data", "aGVsbG8="}};
        CHECK(descriptor_from_json(value, "test").size == 5);
    }

    TEST_CASE("bad descriptors are errors naming the source and the problem") {
        const json good = {
            {"mediaType", "application/vnd.oci.image.layer.v1.tar"}, {"digest", k_digest}, {"size", 5}};
        auto with = [&](const char* key, json value) {
            json copy = good;
            if (value.is_null())
                copy.erase(key);
            else
                copy[key] = value;
            return copy;
        };
        CHECK_THROWS_WITH_AS(descriptor_from_json(json::array(), "index.json"),
                             contains("index.json: descriptor is not an object"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("mediaType", nullptr), "m"),
                             contains("m: missing \"mediaType\""), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("mediaType", 5), "m"),
                             contains("\"mediaType\" is not a string"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("mediaType", "no-slash"), "m"),
                             contains("invalid media type 'no-slash'"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("digest", "sha256:abc"), "m"),
                             contains("m: invalid digest"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("size", -1), "m"),
                             contains("is not a non-negative integer"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("size", 1.5), "m"),
                             contains("is not a non-negative integer"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("size", "5"), "m"),
                             contains("is not a non-negative integer"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("annotations", json{{"k", 1}}), "m"),
                             contains("annotation \"k\" is not a string"), Error);
        CHECK_THROWS_WITH_AS(descriptor_from_json(with("platform", json{{"os", "linux"}}), "m"),
                             contains("m: missing \"architecture\""), Error);
    }

    TEST_CASE("canonical_dump refuses text that is not UTF-8 with an Error") {
        CHECK_THROWS_WITH_AS(canonical_dump(json{{"label", "bad \xff byte"}}, "image config"),
                             contains("image config: cannot write JSON"), Error);
    }
}
