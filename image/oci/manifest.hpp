#pragma once
// Reading manifests and indexes back from a blob store, and the content a root descriptor reaches:
// what the writers copy and the registry client uploads. Everything read is validated (JSON shape,
// schemaVersion, media types, digests); a bad document is an Error naming the blob and the problem.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "image/oci/blob_store.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::oci {

struct Manifest {
    std::string media_type;  // media_type::image_manifest or docker_manifest
    Descriptor config;
    std::vector<Descriptor> layers;
    std::map<std::string, std::string> annotations;
};

struct Index {
    std::string media_type;  // media_type::image_index or docker_manifest_list
    std::vector<Descriptor> manifests;
    std::map<std::string, std::string> annotations;
};

// Parse a manifest / an index; source names it in errors ("manifest sha256:ab12…").
Manifest parse_manifest(std::string_view json, std::string_view source);
Index parse_index(std::string_view json, std::string_view source);

// The platform an image config (its JSON) declares: os, architecture and variant. Throws Error naming
// source when it is not an object or lacks them.
Platform platform_of_config(std::string_view json, std::string_view source);

// What a root descriptor reaches: configs and layers (blobs), and manifests and indexes (manifests),
// each once, in a deterministic order.
struct Content {
    std::vector<Descriptor> blobs;      // configs and layers, in the order first met
    std::vector<Descriptor> manifests;  // every child before its parent: the root is last
};

// Walks root (an image manifest or an index, nested indexes at most 4 deep) through the store. Throws
// Error when a document is missing, corrupt or invalid, or a blob is missing or of the wrong size.
Content collect_content(const BlobStore& store, const Descriptor& root);

// The manifest for platform: root itself when it is a manifest (its config's platform must match),
// else the manifest entry of the index with that platform. Throws Error naming the
// platforms there are when none matches.
Descriptor select_platform(const BlobStore& store, const Descriptor& root, const Platform& platform);

}  // namespace xbuild::oci
