#include "image/oci/descriptor.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"

namespace xbuild::oci {

using nlohmann::json;

namespace {

constexpr std::string_view k_sha256 = "sha256:";

// RFC 6838 restricted names: "type/subtype", each 1..127 of [A-Za-z0-9!#$&^_.+-].
bool valid_media_type(std::string_view type) {
    auto name_char = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
    };
    size_t slash = type.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size() || type.size() > 255)
        return false;
    return std::all_of(type.begin(), type.begin() + slash, name_char) &&
           std::all_of(type.begin() + slash + 1, type.end(), name_char);
}

// A short, one-line quote of a JSON value for messages.
std::string quote(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text::printable(text);
}

const json& member(const json& object, const char* key, std::string_view source) {
    auto it = object.find(key);
    if (it == object.end()) fail("{}: missing \"{}\"", source, key);
    return *it;
}

std::string string_member(const json& object, const char* key, std::string_view source, bool required) {
    auto it = object.find(key);
    if (it == object.end()) {
        if (required) fail("{}: missing \"{}\"", source, key);
        return {};
    }
    if (!it->is_string()) fail("{}: \"{}\" is not a string: {}", source, key, quote(*it));
    return it->get<std::string>();
}

}  // namespace

bool is_manifest_type(std::string_view type) {
    return type == media_type::image_manifest || type == media_type::docker_manifest;
}

bool is_index_type(std::string_view type) {
    return type == media_type::image_index || type == media_type::docker_manifest_list;
}

Platform platform_of(const Arch& arch) {
    return Platform{"linux", std::string(arch.oci), std::string(arch.oci_variant)};
}

std::string to_string(const Platform& platform) {
    std::string text = platform.os + "/" + platform.architecture;
    if (!platform.variant.empty()) text += "/" + platform.variant;
    return text;
}

std::string sha256_digest(std::string_view data) {
    return std::string(k_sha256) + hash::sha256_hex(data);
}

bool is_valid_digest(std::string_view digest) {
    if (!digest.starts_with(k_sha256) || digest.size() != k_sha256.size() + 64) return false;
    return std::all_of(digest.begin() + k_sha256.size(), digest.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void check_digest(std::string_view digest, std::string_view source) {
    if (!is_valid_digest(digest)) {
        std::string shown = text::printable(digest.substr(0, 100));
        fail("{}: invalid digest '{}{}' (expected sha256: and 64 lowercase hex digits)", source, shown,
             digest.size() > 100 ? "..." : "");
    }
}

std::string_view digest_hex(std::string_view digest) {
    return digest.substr(std::min(digest.size(), k_sha256.size()));
}

std::string short_digest(std::string_view digest) {
    return std::string(digest.substr(0, k_sha256.size() + 12)) + (digest.size() > 19 ? "…" : "");
}

json to_json(const Platform& platform) {
    json out = {{"architecture", platform.architecture}, {"os", platform.os}};
    if (!platform.variant.empty()) out["variant"] = platform.variant;
    return out;
}

json to_json(const Descriptor& descriptor) {
    json out = {
        {"mediaType", descriptor.media_type}, {"digest", descriptor.digest}, {"size", descriptor.size}};
    if (descriptor.platform) out["platform"] = to_json(*descriptor.platform);
    if (!descriptor.annotations.empty()) out["annotations"] = descriptor.annotations;
    if (!descriptor.artifact_type.empty()) out["artifactType"] = descriptor.artifact_type;
    return out;
}

Platform platform_from_json(const json& value, std::string_view source) {
    if (!value.is_object()) fail("{}: platform is not an object: {}", source, quote(value));
    Platform platform;
    platform.architecture = string_member(value, "architecture", source, true);
    platform.os = string_member(value, "os", source, true);
    platform.variant = string_member(value, "variant", source, false);
    if (platform.architecture.empty() || platform.os.empty())
        fail("{}: platform has an empty os or architecture", source);
    return platform;
}

Descriptor descriptor_from_json(const json& value, std::string_view source) {
    if (!value.is_object()) fail("{}: descriptor is not an object: {}", source, quote(value));
    Descriptor descriptor;
    descriptor.media_type = string_member(value, "mediaType", source, true);
    if (!valid_media_type(descriptor.media_type))
        fail("{}: invalid media type '{}'", source, text::printable(descriptor.media_type));
    descriptor.digest = string_member(value, "digest", source, true);
    check_digest(descriptor.digest, source);
    const json& size = member(value, "size", source);
    if (!size.is_number_integer() || (!size.is_number_unsigned() && size.get<long long>() < 0))
        fail("{}: \"size\" of {} is not a non-negative integer: {}", source, descriptor.digest, quote(size));
    descriptor.size = size.get<std::uint64_t>();
    if (auto it = value.find("platform"); it != value.end())
        descriptor.platform = platform_from_json(*it, source);
    descriptor.annotations = annotations_from_json(value, source);
    descriptor.artifact_type = string_member(value, "artifactType", source, false);
    return descriptor;
}

std::map<std::string, std::string> annotations_from_json(const json& object, std::string_view source) {
    std::map<std::string, std::string> annotations;
    auto it = object.find("annotations");
    if (it == object.end()) return annotations;
    if (!it->is_object()) fail("{}: \"annotations\" is not an object: {}", source, quote(*it));
    for (const auto& [key, annotation] : it->items()) {
        if (!annotation.is_string())
            fail("{}: annotation \"{}\" is not a string: {}", source, text::printable(key),
                 quote(annotation));
        annotations[key] = annotation.get<std::string>();
    }
    return annotations;
}

std::string canonical_dump(const json& value, std::string_view source) {
    try {
        return value.dump();
    } catch (const json::exception& error) {
        fail("{}: cannot write JSON: {}", source, error.what());
    }
}

}  // namespace xbuild::oci
