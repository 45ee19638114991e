#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/image.hpp"
#include "image/oci/manifest.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::oci;
using test::contains;
namespace stdfs = std::filesystem;

namespace {

struct TwoArchImage {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-oci-manifest-"};
    BlobStore store{dir.path()};
    Descriptor shared_layer, arm_layer, amd64, arm64, index;

    TwoArchImage() {
        shared_layer = store.put(media_type::layer_tar_gzip, "shared layer");
        arm_layer = store.put(media_type::layer_tar_gzip, "arm layer");
        ImageConfig config;
        config.platform = Platform{"linux", "amd64", ""};
        config.diff_ids = {sha256_digest("shared")};
        amd64 = put_image(store, config, {shared_layer});
        config.platform = Platform{"linux", "arm64", "v8"};
        config.diff_ids = {sha256_digest("shared"), sha256_digest("arm")};
        arm64 = put_image(store, config, {shared_layer, arm_layer});
        index = put_index(store, {amd64, arm64});
    }
};

}  // namespace

TEST_SUITE("oci manifest") {
    TEST_CASE("parse a manifest and an index") {
        TwoArchImage image;
        const Manifest manifest = parse_manifest(image.store.read(image.arm64.digest), "m");
        CHECK(manifest.media_type == media_type::image_manifest);
        CHECK(manifest.config.media_type == media_type::image_config);
        CHECK(manifest.layers == std::vector<Descriptor>{image.shared_layer, image.arm_layer});
        const Index index = parse_index(image.store.read(image.index.digest), "i");
        CHECK(index.manifests == std::vector<Descriptor>{image.amd64, image.arm64});
    }

    TEST_CASE("docker schema 2 documents are read too") {
        const std::string digest = "sha256:" + std::string(64, 'e');
        const Manifest manifest = parse_manifest(
            R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":)"
            R"({"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" +
                digest + R"(","size":1},"layers":[]})",
            "m");
        CHECK(manifest.media_type == media_type::docker_manifest);
        CHECK(manifest.config.digest == digest);
    }

    TEST_CASE("bad documents are errors naming the source") {
        const std::string config =
            R"({"mediaType":"a/b","digest":"sha256:)" + std::string(64, 'e') + R"(","size":1})";
        CHECK_THROWS_WITH_AS(parse_manifest("{", "manifest X"), contains("manifest X: not valid JSON"),
                             Error);
        CHECK_THROWS_WITH_AS(parse_manifest("[]", "m"), contains("m: not a JSON object"), Error);
        CHECK_THROWS_WITH_AS(parse_manifest(R"({"schemaVersion":1})", "m"),
                             contains("schemaVersion is not 2"), Error);
        CHECK_THROWS_WITH_AS(parse_manifest(R"({"schemaVersion":2,"layers":[]})", "m"),
                             contains("\"config\" is missing"), Error);
        CHECK_THROWS_WITH_AS(parse_manifest(R"({"schemaVersion":2,"config":)" + config + "}", "m"),
                             contains("\"layers\" is missing or not an array"), Error);
        CHECK_THROWS_WITH_AS(parse_manifest(R"({"schemaVersion":2,"config":)" + config +
                                                R"(,"layers":[{"mediaType":"a/b","digest":"x","size":1}]})",
                                            "m"),
                             contains("m: layers[0]: invalid digest 'x'"), Error);
        CHECK_THROWS_WITH_AS(
            parse_manifest(
                R"({"schemaVersion":2,"mediaType":"text/html","config":)" + config + R"(,"layers":[]})", "m"),
            contains("unexpected mediaType"), Error);
        CHECK_THROWS_WITH_AS(parse_index(R"({"schemaVersion":2,"manifests":{}})", "i"),
                             contains("\"manifests\" is missing or not an array"), Error);
    }

    TEST_CASE("collect_content: each blob once, children before parents, the root last") {
        TwoArchImage image;
        const Content content = collect_content(image.store, image.index);
        REQUIRE(content.manifests.size() == 3);
        CHECK(content.manifests[0].digest == image.amd64.digest);
        CHECK(content.manifests[1].digest == image.arm64.digest);
        CHECK(content.manifests[2] == image.index);
        REQUIRE(content.blobs.size() == 4);  // two configs, two layers (the shared one once)
        CHECK(content.blobs[1] == image.shared_layer);
        CHECK(content.blobs[3] == image.arm_layer);

        const Content single = collect_content(image.store, image.amd64);
        CHECK(single.manifests.size() == 1);
        CHECK(single.blobs.size() == 2);
    }

    TEST_CASE("collect_content refuses missing blobs and wrong sizes") {
        TwoArchImage image;
        ::chmod(image.store.path_of(image.arm_layer.digest).c_str(), 0644);
        stdfs::remove(image.store.path_of(image.arm_layer.digest));
        CHECK_THROWS_WITH_AS(collect_content(image.store, image.index),
                             contains("blob " + image.arm_layer.digest + " is missing"), Error);
        Descriptor wrong = image.amd64;
        wrong.size += 1;
        CHECK_THROWS_WITH_AS(collect_content(image.store, wrong), contains("its descriptor says"), Error);
        Descriptor layer_as_root = image.shared_layer;
        CHECK_THROWS_WITH_AS(collect_content(image.store, layer_as_root),
                             contains("neither a manifest nor an index"), Error);
    }

    TEST_CASE("select_platform") {
        TwoArchImage image;
        CHECK(select_platform(image.store, image.index, Platform{"linux", "arm64", "v8"}) == image.arm64);
        CHECK(select_platform(image.store, image.index, Platform{"linux", "arm64", ""}) == image.arm64);
        CHECK(select_platform(image.store, image.index, Platform{"linux", "amd64", ""}) == image.amd64);
        CHECK_THROWS_WITH_AS(select_platform(image.store, image.index, Platform{"linux", "riscv64", ""}),
                             contains("has no image for linux/riscv64 (it has: linux/amd64, linux/arm64/v8)"),
                             Error);
        Descriptor bare = image.arm64;
        bare.platform.reset();  // read from the config
        CHECK(select_platform(image.store, bare, Platform{"linux", "arm64", "v8"}) == bare);
        CHECK_THROWS_WITH_AS(select_platform(image.store, bare, Platform{"linux", "amd64", ""}),
                             contains("is an image for linux/arm64/v8, not linux/amd64"), Error);
    }
}
