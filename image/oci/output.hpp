#pragma once
// The three ways an image leaves the store as files: an OCI image layout directory, an oci-archive
// (a tar of that layout) and a docker-archive (`docker save` format, for `docker load` / `podman load`).
//
// Each is written under a temporary name next to the destination ("<dest>.tmp-XXXXXX") and renamed into
// place only when complete: an interrupted or failed write leaves the destination as it was. Temporary
// names are created exclusively and nothing is written through a symlink: a symlink at the destination
// is refused (a directory) or replaced (an archive), never followed. Only blobs reachable from the root
// are written; archives are reproducible (entries sorted, mtime fixed, uid/gid 0).
//
// The ref name (org.opencontainers.image.ref.name on the root's entry in index.json) is what
// `skopeo inspect oci:DIR:REF`, `umoci unpack --image DIR:REF` and `podman load` look up: a tag ("1.0")
// or a full name ("app:1.0", "registry.example/ns/app:1.0"; podman names the loaded image after it).
#include <filesystem>
#include <string_view>

#include "image/oci/blob_store.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::oci {

// Writes dir as an OCI image layout (oci-layout, index.json, blobs/sha256/*) holding root under ref_name;
// blobs are hard links to the store's (copies across file systems). An existing dir is replaced only when
// it is an OCI image layout (it has an oci-layout file) or empty; anything else there is an Error.
// attached: artifacts referring to root (an SBOM), listed in index.json after it without a ref name (the
// image layout's way to hold referrers); an oci-archive has none, since `podman load` takes only an
// index.json of one entry.
void write_oci_layout(const BlobStore& store, const Descriptor& root, const std::filesystem::path& dir,
                      std::string_view ref_name, const std::vector<Descriptor>& attached = {});

// Writes file as a tar of the layout write_oci_layout would make (entries sorted, mtime as given).
void write_oci_archive(const BlobStore& store, const Descriptor& root, const std::filesystem::path& file,
                       std::string_view ref_name, long long mtime = 0);

// Writes file as a docker-archive of one image: manifest.json ([{"Config", "RepoTags", "Layers"}]) and the
// config and layer blobs under blobs/sha256/<hex> (as `docker save` of Docker 25 names them). Layers stay
// gzip-compressed: docker load, podman load and skopeo decompress them and check the config's diff_ids.
// manifest must be an image manifest (for a multi-arch root, pick one with select_platform first);
// repo_tag is a reference such as "app:1" (written as docker prints it, ":latest" added when untagged).
void write_docker_archive(const BlobStore& store, const Descriptor& manifest,
                          const std::filesystem::path& file, std::string_view repo_tag, long long mtime = 0);

}  // namespace xbuild::oci
