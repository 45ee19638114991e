#pragma once
// The JSON documents of an image (image-spec config.md, manifest.md, image-index.md), written
// canonically: compact, object keys sorted, empty optional fields left out, so the same input gives the
// same bytes and therefore the same digests. Inputs are checked; a bad one throws Error naming it.
#include <map>
#include <string>
#include <vector>

#include "image/oci/blob_store.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::oci {

struct HistoryEntry {
    std::string created_by;    // "xbuild: runtime rootfs (python3.13-minimal)"
    std::string comment;       // "" when none
    bool empty_layer = false;  // true for an entry that made no layer
};

struct ImageConfig {
    Platform platform;      // architecture must be set
    long long created = 0;  // SOURCE_DATE_EPOCH; also the time of every history entry
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::vector<std::string> env;  // "KEY=VALUE"
    std::string working_dir;
    std::string user;
    std::map<std::string, std::string> labels;
    std::vector<std::string> exposed_ports;  // "8080/tcp", "53/udp", "9000/sctp"; "8080" means tcp
    std::vector<std::string> diff_ids;       // of the layers, bottom first
    std::vector<HistoryEntry> history;       // one non-empty entry per layer, or none at all
};

// "1970-01-01T00:00:00Z" (RFC 3339, UTC); throws Error for a negative time.
std::string rfc3339_utc(long long epoch_seconds);

// The image config JSON. Throws Error "image config: ..." for an empty architecture, a negative time, an
// invalid diff_id, an env entry without "KEY=", an invalid port, a history that does not match the layers,
// or text that is not UTF-8.
std::string config_json(const ImageConfig& config);

// An OCI image manifest (schemaVersion 2, mediaType) of config and layers, bottom first. Throws Error when
// a descriptor's media type does not fit its place.
std::string manifest_json(const Descriptor& config, const std::vector<Descriptor>& layers,
                          const std::map<std::string, std::string>& annotations = {});

// An OCI image index of manifests; each must have a platform, and no two images the same platform
// (artifacts listed with platform unknown/unknown may repeat).
std::string index_json(const std::vector<Descriptor>& manifests,
                       const std::map<std::string, std::string>& annotations = {});

// Stores the config and the manifest of an image whose layers are in the store already; returns the
// manifest's descriptor with config.platform set (as an index lists it). layers.size() must equal
// config.diff_ids.size().
Descriptor put_image(const BlobStore& store, const ImageConfig& config, const std::vector<Descriptor>& layers,
                     const std::map<std::string, std::string>& annotations = {});

// An OCI 1.1 artifact manifest (artifactType, the empty config "{}", blobs as its layers, subject):
// how an SBOM is attached to an image.
std::string artifact_manifest_json(std::string_view artifact_type, const std::vector<Descriptor>& blobs,
                                   const Descriptor& subject,
                                   const std::map<std::string, std::string>& annotations = {});

// Stores an artifact manifest (and the empty config) for blobs already in the store; returns the
// descriptor an index lists it with: artifactType set, platform unknown/unknown (no runtime picks it)
// and docker's annotations naming the subject (vnd.docker.reference.digest/type), as buildx lists
// attestations, so tools that know them skip it.
Descriptor put_artifact(const BlobStore& store, std::string_view artifact_type,
                        const std::vector<Descriptor>& blobs, const Descriptor& subject,
                        const std::map<std::string, std::string>& annotations = {});

// Stores an index of manifests; returns its descriptor.
Descriptor put_index(const BlobStore& store, const std::vector<Descriptor>& manifests,
                     const std::map<std::string, std::string>& annotations = {});

}  // namespace xbuild::oci
