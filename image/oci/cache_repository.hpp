#pragma once
// xbuild's cache in a registry (--cache-from, --cache-to): the registry side of
// builder/stage/remote_cache.hpp, which app/remote_cache.cpp implements with it.
//
// A cache entry (a stage rootfs or layer, a wheel or prebuild result) is an OCI artifact in one
// repository, tagged "<kind>-<key>" (its content key: the key already digests every input):
//   manifest  application/vnd.oci.image.manifest.v1+json, artifactType application/vnd.xbuild.cache.v1,
//             annotations dev.xbuild.cache.kind, dev.xbuild.cache.key, org.opencontainers.image.description
//   config    application/vnd.xbuild.cache.config.v1+json: {"kind", "key", "description"}
//   layer     application/vnd.oci.image.layer.v1.tar+zstd: the entry's directory (tree_archive.hpp)
// Blobs over 32 MiB are uploaded in chunks. What is pulled is verified before use: the manifest
// against the registry's digest, its annotations against the kind and key asked for, the config and
// the layer against their descriptors' digests and sizes (a mismatch is downloaded again, then an
// error). Transport, auth and retries as for pushes (registry.hpp).
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "image/oci/registry.hpp"

namespace xbuild::oci {

struct CacheArtifact {
    std::string kind;         // "rootfs", "wheels", "prebuilds"
    std::string key;          // the entry's key
    std::string description;  // for people: "layer trixie/amd64 toolchain + python3-dev:arm64"
};

// One repository of cache artifacts ("host[:port]/path", no tag), one connection and token for all
// calls. Calls from several threads take turns.
class CacheRepository {
  public:
    // Throws Error for a reference that is not "host[:port]/path".
    CacheRepository(std::string_view repository, PushOptions options);
    ~CacheRepository();
    CacheRepository(const CacheRepository&) = delete;
    CacheRepository& operator=(const CacheRepository&) = delete;

    const std::string& name() const { return m_name; }
    // True when the repository holds the artifact (HEAD of its tag).
    bool has(std::string_view kind, const std::string& key);
    // Pushes archive (a tar+zstd of the entry) as the artifact; its blobs only when missing.
    void push(const CacheArtifact& artifact, const std::filesystem::path& archive, const Reporter& reporter);
    // Downloads the artifact's layer to archive, verified; false when the repository has no such tag.
    // Throws Error naming the repository and the artifact for anything else.
    bool pull(std::string_view kind, const std::string& key, const std::filesystem::path& archive);

  private:
    std::string m_name;
    struct Connection;
    std::unique_ptr<Connection> m_connection;
    std::mutex m_mutex;
};

// "<kind>-<key>": the artifact's tag. Throws Error when that is not a valid tag.
std::string cache_tag(std::string_view kind, std::string_view key);

}  // namespace xbuild::oci
