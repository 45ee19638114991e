#pragma once
// OCI content descriptors (image-spec descriptor.md): media types, platforms, sha256 digests, and the
// descriptor JSON, written canonically and read back with validation. Anything read from input (a blob,
// a registry answer) goes through the checked parsers here: a bad digest or field is an Error naming
// its source, never a path component or a crash.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace xbuild {
struct Arch;
}

namespace xbuild::oci {

namespace media_type {
inline constexpr std::string_view image_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view image_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view image_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view layer_tar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view layer_tar_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view empty = "application/vnd.oci.empty.v1+json";
// Docker image manifest v2 schema 2 equivalents (read back, and accepted by the writers).
inline constexpr std::string_view docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view docker_layer_tar_gzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media_type

// An image manifest (OCI or Docker schema 2) / an image index (OCI index or Docker manifest list).
bool is_manifest_type(std::string_view media_type);
bool is_index_type(std::string_view media_type);

struct Platform {
    std::string os = "linux";
    std::string architecture;  // GOARCH names: amd64, arm64
    std::string variant;       // "v8" for arm64, "" for amd64
    bool operator==(const Platform&) const = default;
};

// The OCI platform of an xbuild architecture (Arch::oci, Arch::oci_variant).
Platform platform_of(const Arch& arch);
// "linux/arm64/v8", "linux/amd64": for messages.
std::string to_string(const Platform& platform);

struct Descriptor {
    std::string media_type;
    std::string digest;  // "sha256:" + 64 lowercase hex digits
    std::uint64_t size = 0;
    std::optional<Platform> platform;
    std::map<std::string, std::string> annotations;
    std::string artifact_type;  // "" when none
    bool operator==(const Descriptor&) const = default;
};

// "sha256:" + the hex SHA-256 of data.
std::string sha256_digest(std::string_view data);
// True for "sha256:" followed by exactly 64 lowercase hex digits.
bool is_valid_digest(std::string_view digest);
// Throws Error "<source>: invalid digest '<digest>' (expected sha256: and 64 lowercase hex digits)".
void check_digest(std::string_view digest, std::string_view source);
// The hex part of a digest that passed check_digest.
std::string_view digest_hex(std::string_view digest);
// "sha256:ab12cd34ef56…" for messages.
std::string short_digest(std::string_view digest);

// Canonical JSON: the fields of the image spec, empty optional ones left out.
nlohmann::json to_json(const Platform& platform);
nlohmann::json to_json(const Descriptor& descriptor);
// Checked parsers: unknown fields are ignored (as the spec requires); a missing or mistyped field,
// an invalid digest or a negative size throws Error "<source>: <what is wrong>".
Platform platform_from_json(const nlohmann::json& json, std::string_view source);
Descriptor descriptor_from_json(const nlohmann::json& json, std::string_view source);
// The "annotations" member of object (empty when absent): an object of strings.
std::map<std::string, std::string> annotations_from_json(const nlohmann::json& object,
                                                         std::string_view source);

// json.dump() without whitespace; strings that are not UTF-8 throw Error "<source>: ..." instead of
// nlohmann's exception. Same value, same bytes (object keys are sorted).
std::string canonical_dump(const nlohmann::json& json, std::string_view source);

}  // namespace xbuild::oci
