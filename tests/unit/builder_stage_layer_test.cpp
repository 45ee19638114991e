#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/hash.hpp"
#include "builder/stage/layer.hpp"

using namespace xbuild;
using namespace xbuild::stage;
namespace stdfs = std::filesystem;

namespace {

CacheEntry entry(const std::string& key) {
    CacheEntry e;
    e.key = key;
    e.dir = "/cache/rootfs/" + key;
    e.root = "/cache/rootfs/" + key + "/root";
    return e;
}

LayerRequest request(std::vector<std::string> packages,
                     const std::string& base_key = "0123456789abcdef01234567") {
    LayerRequest r;
    r.base = entry(base_key);
    r.base_description = "trixie/amd64→arm64 toolchain";
    r.packages = std::move(packages);
    return r;
}

}  // namespace

TEST_SUITE("stage layer") {
    TEST_CASE("layer_key is the first 24 hex digits of the sha256 of its canonical text") {
        const std::string expected = hash::sha256_hex(
                                         "xbuild-layer 2\nbase 0123456789abcdef01234567\n"
                                         "package cython3\npackage libyaml-dev:arm64\n")
                                         .substr(0, 24);
        CHECK(layer_key(request({"libyaml-dev:arm64", "cython3"})) == expected);
        CHECK(layer_key(request({"cython3"})).size() == 24);
    }

    TEST_CASE("layer_key ignores package order and duplicates") {
        const std::string key = layer_key(request({"cython3", "libyaml-dev:arm64", "python3-numpy"}));
        CHECK(layer_key(request({"python3-numpy", "cython3", "libyaml-dev:arm64"})) == key);
        CHECK(layer_key(request(
                  {"libyaml-dev:arm64", "cython3", "python3-numpy", "cython3", "libyaml-dev:arm64"})) == key);
    }

    TEST_CASE("layer_key changes with the base key and the packages") {
        const std::string key = layer_key(request({"cython3", "libyaml-dev:arm64"}));
        CHECK(layer_key(request({"cython3", "libyaml-dev:arm64"}, "fedcba9876543210fedcba98")) != key);
        CHECK(layer_key(request({"cython3"})) != key);
        CHECK(layer_key(request({"cython3", "libyaml-dev:arm64", "zlib1g-dev:arm64"})) != key);
        CHECK(layer_key(request({"cython3", "libyaml-dev:amd64"})) != key);
        CHECK(layer_key(request({})) != key);
        // Package boundaries count: "a b" is not "ab".
        CHECK(layer_key(request({"ab"})) != layer_key(request({"a", "b"})));
        // The description and the base's paths are not part of the key.
        LayerRequest described = request({"cython3", "libyaml-dev:arm64"});
        described.base_description = "something else";
        described.base.root = "/elsewhere/root";
        CHECK(layer_key(described) == key);
    }

    TEST_CASE("layer_stack puts the layer above its base, or gives the base alone") {
        const CacheEntry base = entry("base0000000000000000000a");
        const CacheEntry top = entry("layer000000000000000000b");
        CHECK(layer_stack(base, top) ==
              std::vector<stdfs::path>{"/cache/rootfs/layer000000000000000000b/root",
                                       "/cache/rootfs/base0000000000000000000a/root"});
        // ensure_layer returns the base itself when there are no packages.
        CHECK(layer_stack(base, base) ==
              std::vector<stdfs::path>{"/cache/rootfs/base0000000000000000000a/root"});
    }
}
