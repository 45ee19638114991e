#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/image.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::oci;
using nlohmann::json;
using test::contains;
namespace stdfs = std::filesystem;

namespace {

const std::string k_diff_id = "sha256:" + std::string(64, 'd');

ImageConfig sample_config() {
    ImageConfig config;
    config.platform = Platform{"linux", "arm64", "v8"};
    config.created = 1700000000;
    config.entrypoint = {"/usr/bin/python3", "-m", "app"};
    config.cmd = {"--serve"};
    config.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};
    config.working_dir = "/app";
    config.user = "1000:1000";
    config.labels = {{"org.opencontainers.image.version", "1.0"}, {"a", "b"}};
    config.exposed_ports = {"8080", "53/UDP"};
    config.diff_ids = {k_diff_id};
    config.history = {{"xbuild: python runtime", "", false}, {"xbuild: set entrypoint", "config only", true}};
    return config;
}

}  // namespace

TEST_SUITE("oci image") {
    TEST_CASE("RFC 3339 times in UTC") {
        CHECK(rfc3339_utc(0) == "1970-01-01T00:00:00Z");
        CHECK(rfc3339_utc(1700000000) == "2023-11-14T22:13:20Z");
        CHECK(rfc3339_utc(951782400) == "2000-02-29T00:00:00Z");
        CHECK_THROWS_WITH_AS(rfc3339_utc(-1), contains("negative time"), Error);
    }

    TEST_CASE("the config: exact canonical bytes") {
        const std::string expected =
            R"({"architecture":"arm64","config":{"Cmd":["--serve"],"Entrypoint":["/usr/bin/python3","-m","app"],)"
            R"("Env":["PATH=/usr/local/bin:/usr/bin:/bin","LANG=C.UTF-8"],"ExposedPorts":{"53/udp":{},"8080/tcp":{}},)"
            R"("Labels":{"a":"b","org.opencontainers.image.version":"1.0"},"User":"1000:1000","WorkingDir":"/app"},)"
            R"("created":"2023-11-14T22:13:20Z","history":[{"created":"2023-11-14T22:13:20Z",)"
            R"("created_by":"xbuild: python runtime"},{"comment":"config only","created":"2023-11-14T22:13:20Z",)"
            R"("created_by":"xbuild: set entrypoint","empty_layer":true}],"os":"linux",)"
            R"("rootfs":{"diff_ids":[")" +
            k_diff_id + R"("],"type":"layers"},"variant":"v8"})";
        CHECK(config_json(sample_config()) == expected);
        CHECK(config_json(sample_config()) == config_json(sample_config()));
    }

    TEST_CASE("a minimal config leaves out what is empty") {
        ImageConfig config;
        config.platform = Platform{"linux", "amd64", ""};
        CHECK(config_json(config) ==
              R"({"architecture":"amd64","config":{},"created":"1970-01-01T00:00:00Z","os":"linux",)"
              R"("rootfs":{"diff_ids":[],"type":"layers"}})");
    }

    TEST_CASE("bad config input is an Error naming the field") {
        ImageConfig config = sample_config();
        config.platform.architecture.clear();
        CHECK_THROWS_WITH_AS(config_json(config),
                             contains("image config: the platform has no os or architecture"), Error);
        for (const char* port : {"0", "65536", "80/tcpx", "x", "", "08", "80/"}) {
            CAPTURE(port);
            config = sample_config();
            config.exposed_ports = {port};
            CHECK_THROWS_WITH_AS(config_json(config), contains("invalid exposed port"), Error);
        }
        config = sample_config();
        config.env = {"NOEQUALS"};
        CHECK_THROWS_WITH_AS(config_json(config), contains("environment entry 'NOEQUALS' is not KEY=VALUE"),
                             Error);
        config.env = {"=x"};
        CHECK_THROWS_AS(config_json(config), Error);
        config = sample_config();
        config.history.push_back({"another layer?"});
        CHECK_THROWS_WITH_AS(config_json(config),
                             contains("2 history entries make layers, but there are 1 layers"), Error);
        config = sample_config();
        config.diff_ids = {"sha256:short"};
        CHECK_THROWS_WITH_AS(config_json(config), contains("invalid digest"), Error);
        config = sample_config();
        config.labels["bad"] = "\xff";
        CHECK_THROWS_WITH_AS(config_json(config), contains("image config: cannot write JSON"), Error);
        config = sample_config();
        config.created = -5;
        CHECK_THROWS_AS(config_json(config), Error);
    }

    TEST_CASE("manifest and index: exact canonical bytes") {
        const Descriptor config{std::string(media_type::image_config), "sha256:" + std::string(64, 'c'), 100};
        const Descriptor layer{std::string(media_type::layer_tar_gzip), "sha256:" + std::string(64, 'b'),
                               2000};
        CHECK(
            manifest_json(config, {layer}, {{"org.opencontainers.image.created", "1970"}}) ==
            R"({"annotations":{"org.opencontainers.image.created":"1970"},"config":{"digest":"sha256:)" +
                std::string(64, 'c') +
                R"(","mediaType":"application/vnd.oci.image.config.v1+json","size":100},"layers":[{"digest":"sha256:)" +
                std::string(64, 'b') +
                R"(","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":2000}],)"
                R"("mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2})");
        CHECK_THROWS_WITH_AS(manifest_json(layer, {layer}), contains("image manifest: config"), Error);
        CHECK_THROWS_WITH_AS(manifest_json(config, {config}), contains("image manifest: layer"), Error);

        Descriptor amd64{std::string(media_type::image_manifest), "sha256:" + std::string(64, '1'), 400,
                         Platform{"linux", "amd64", ""}};
        Descriptor arm64{std::string(media_type::image_manifest), "sha256:" + std::string(64, '2'), 401,
                         Platform{"linux", "arm64", "v8"}};
        CHECK(
            index_json({amd64, arm64}) ==
            R"({"manifests":[{"digest":"sha256:)" + std::string(64, '1') +
                R"(","mediaType":"application/vnd.oci.image.manifest.v1+json","platform":{"architecture":"amd64",)"
                R"("os":"linux"},"size":400},{"digest":"sha256:)" +
                std::string(64, '2') +
                R"(","mediaType":"application/vnd.oci.image.manifest.v1+json","platform":{"architecture":"arm64",)"
                R"("os":"linux","variant":"v8"},"size":401}],"mediaType":"application/vnd.oci.image.index.v1+json",)"
                R"("schemaVersion":2})");
        CHECK_THROWS_WITH_AS(index_json({amd64, amd64}), contains("two manifests for linux/amd64"), Error);
        amd64.platform.reset();
        CHECK_THROWS_WITH_AS(index_json({amd64}), contains("has no platform"), Error);
        CHECK_THROWS_WITH_AS(index_json({layer}), contains("image index: entry"), Error);
    }

    TEST_CASE("put_image and put_index store what they describe") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-image-");
        BlobStore store(dir.path());
        const Descriptor layer = store.put(media_type::layer_tar_gzip, "not really gzip");
        ImageConfig config = sample_config();
        config.diff_ids = {sha256_digest("not really a tar")};
        const Descriptor manifest = put_image(store, config, {layer});
        CHECK(manifest.media_type == media_type::image_manifest);
        CHECK(manifest.platform == config.platform);
        const json stored = json::parse(store.read(manifest.digest));
        CHECK(stored["layers"][0]["digest"] == layer.digest);
        CHECK(json::parse(store.read(stored["config"]["digest"].get<std::string>()))["architecture"] ==
              "arm64");
        CHECK(put_image(store, config, {layer}) == manifest);  // reproducible

        const Descriptor index = put_index(store, {manifest});
        CHECK(index.media_type == media_type::image_index);
        CHECK(json::parse(store.read(index.digest))["manifests"][0]["platform"]["variant"] == "v8");

        CHECK_THROWS_WITH_AS(put_image(store, config, {}), contains("0 layers but 1 diff_ids"), Error);
        Descriptor missing = layer;
        missing.digest = "sha256:" + std::string(64, '9');
        CHECK_THROWS_WITH_AS(put_image(store, config, {missing}), contains("is missing"), Error);
    }
}
