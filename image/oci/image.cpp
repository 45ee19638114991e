#include "image/oci/image.hpp"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::oci {

using nlohmann::json;
using text::printable;

namespace {

constexpr std::string_view k_config = "image config";

// "8080/tcp" for "8080" and "8080/TCP"; throws Error for anything but a port 1..65535 and tcp/udp/sctp.
std::string normal_port(std::string_view port) {
    std::string_view number = port.substr(0, port.find('/'));
    const std::string protocol =
        port.find('/') == std::string_view::npos ? "tcp" : text::lower(port.substr(number.size() + 1));
    unsigned value = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || error != std::errc() || end != number.data() + number.size() || value == 0 ||
        value > 65535 || number.front() == '0' ||
        (protocol != "tcp" && protocol != "udp" && protocol != "sctp"))
        fail("{}: invalid exposed port '{}' (expected PORT or PORT/tcp, /udp, /sctp)", k_config,
             printable(port));
    return std::to_string(value) + "/" + protocol;
}

json string_array(const std::vector<std::string>& values) {
    json out = json::array();
    for (const std::string& value : values) out.push_back(value);
    return out;
}

void check_media_type(const Descriptor& descriptor, bool allowed, std::string_view place,
                      std::string_view source) {
    if (!allowed)
        fail("{}: {} {} has media type '{}'", source, place, descriptor.digest,
             printable(descriptor.media_type));
    check_digest(descriptor.digest, source);
}

bool is_layer_type(std::string_view type) {
    return type.starts_with("application/vnd.oci.image.layer.") ||
           type.starts_with("application/vnd.docker.image.rootfs.") || type == media_type::empty;
}

}  // namespace

std::string rfc3339_utc(long long epoch_seconds) {
    if (epoch_seconds < 0) fail("{}: negative time {}", k_config, epoch_seconds);
    const time_t time = static_cast<time_t>(epoch_seconds);
    struct tm utc;
    if (!gmtime_r(&time, &utc) || utc.tm_year + 1900 > 9999)
        fail("{}: time {} is after year 9999", k_config, epoch_seconds);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string config_json(const ImageConfig& config) {
    if (config.platform.architecture.empty() || config.platform.os.empty())
        fail("{}: the platform has no os or architecture", k_config);
    const std::string created = rfc3339_utc(config.created);
    for (const std::string& diff_id : config.diff_ids)
        check_digest(diff_id, std::string(k_config) + " diff_id");
    json runtime = json::object();
    if (!config.entrypoint.empty()) runtime["Entrypoint"] = string_array(config.entrypoint);
    if (!config.cmd.empty()) runtime["Cmd"] = string_array(config.cmd);
    if (!config.env.empty()) {
        for (const std::string& entry : config.env)
            if (entry.find('=') == std::string::npos || entry.front() == '=')
                fail("{}: environment entry '{}' is not KEY=VALUE", k_config, printable(entry));
        runtime["Env"] = string_array(config.env);
    }
    if (!config.working_dir.empty()) runtime["WorkingDir"] = config.working_dir;
    if (!config.user.empty()) runtime["User"] = config.user;
    if (!config.labels.empty()) runtime["Labels"] = config.labels;
    if (!config.exposed_ports.empty()) {
        json ports = json::object();
        for (const std::string& port : config.exposed_ports) ports[normal_port(port)] = json::object();
        runtime["ExposedPorts"] = ports;
    }
    json out = {
        {"architecture", config.platform.architecture},
        {"os", config.platform.os},
        {"created", created},
        {"config", runtime},
        {"rootfs", {{"type", "layers"}, {"diff_ids", string_array(config.diff_ids)}}},
    };
    if (!config.platform.variant.empty()) out["variant"] = config.platform.variant;
    if (!config.history.empty()) {
        size_t layers = std::count_if(config.history.begin(), config.history.end(),
                                      [](const HistoryEntry& entry) { return !entry.empty_layer; });
        if (layers != config.diff_ids.size())
            fail("{}: {} history entries make layers, but there are {} layers", k_config, layers,
                 config.diff_ids.size());
        json history = json::array();
        for (const HistoryEntry& entry : config.history) {
            json item = {{"created", created}};
            if (!entry.created_by.empty()) item["created_by"] = entry.created_by;
            if (!entry.comment.empty()) item["comment"] = entry.comment;
            if (entry.empty_layer) item["empty_layer"] = true;
            history.push_back(item);
        }
        out["history"] = history;
    }
    return canonical_dump(out, k_config);
}

std::string manifest_json(const Descriptor& config, const std::vector<Descriptor>& layers,
                          const std::map<std::string, std::string>& annotations) {
    constexpr std::string_view source = "image manifest";
    check_media_type(config,
                     config.media_type == media_type::image_config ||
                         config.media_type == media_type::docker_config ||
                         config.media_type == media_type::empty,
                     "config", source);
    json out = {{"schemaVersion", 2}, {"mediaType", media_type::image_manifest}};
    Descriptor config_entry = config;
    config_entry.platform.reset();  // a platform belongs in the index, not in the manifest's config
    out["config"] = to_json(config_entry);
    out["layers"] = json::array();
    for (const Descriptor& layer : layers) {
        check_media_type(layer, is_layer_type(layer.media_type), "layer", source);
        out["layers"].push_back(to_json(layer));
    }
    if (!annotations.empty()) out["annotations"] = annotations;
    return canonical_dump(out, source);
}

std::string index_json(const std::vector<Descriptor>& manifests,
                       const std::map<std::string, std::string>& annotations) {
    constexpr std::string_view source = "image index";
    json out = {{"schemaVersion", 2}, {"mediaType", media_type::image_index}, {"manifests", json::array()}};
    std::set<std::string> platforms;
    for (const Descriptor& manifest : manifests) {
        check_media_type(manifest,
                         is_manifest_type(manifest.media_type) || is_index_type(manifest.media_type), "entry",
                         source);
        if (!manifest.platform) fail("{}: manifest {} has no platform", source, manifest.digest);
        // Artifacts (an SBOM) are listed as docker's attestations are: platform unknown/unknown,
        // which no runtime selects; there may be one per image.
        const bool artifact = !manifest.artifact_type.empty() && manifest.platform->os == "unknown";
        if (!artifact && !platforms.insert(to_string(*manifest.platform)).second)
            fail("{}: two manifests for {}", source, to_string(*manifest.platform));
        out["manifests"].push_back(to_json(manifest));
    }
    if (!annotations.empty()) out["annotations"] = annotations;
    return canonical_dump(out, source);
}

Descriptor put_image(const BlobStore& store, const ImageConfig& config, const std::vector<Descriptor>& layers,
                     const std::map<std::string, std::string>& annotations) {
    if (layers.size() != config.diff_ids.size())
        fail("{}: {} layers but {} diff_ids", k_config, layers.size(), config.diff_ids.size());
    for (const Descriptor& layer : layers) store.check_present(layer);
    const Descriptor config_blob = store.put(media_type::image_config, config_json(config));
    Descriptor manifest =
        store.put(media_type::image_manifest, manifest_json(config_blob, layers, annotations));
    manifest.platform = config.platform;
    return manifest;
}

std::string artifact_manifest_json(std::string_view artifact_type, const std::vector<Descriptor>& blobs,
                                   const Descriptor& subject,
                                   const std::map<std::string, std::string>& annotations) {
    constexpr std::string_view source = "artifact manifest";
    if (artifact_type.empty() || artifact_type.find('/') == std::string_view::npos)
        fail("{}: artifact type '{}' is not a media type", source, text::printable(artifact_type));
    if (blobs.empty()) fail("{}: no blobs", source);
    check_media_type(subject, is_manifest_type(subject.media_type) || is_index_type(subject.media_type),
                     "subject", source);
    Descriptor config{std::string(media_type::empty), sha256_digest("{}"), 2, std::nullopt, {}, ""};
    json out = {{"schemaVersion", 2},
                {"mediaType", media_type::image_manifest},
                {"artifactType", artifact_type},
                {"config", to_json(config)},
                {"layers", json::array()}};
    for (const Descriptor& blob : blobs) out["layers"].push_back(to_json(blob));
    Descriptor subject_entry = subject;
    subject_entry.platform.reset();
    subject_entry.annotations.clear();
    out["subject"] = to_json(subject_entry);
    if (!annotations.empty()) out["annotations"] = annotations;
    return canonical_dump(out, source);
}

Descriptor put_artifact(const BlobStore& store, std::string_view artifact_type,
                        const std::vector<Descriptor>& blobs, const Descriptor& subject,
                        const std::map<std::string, std::string>& annotations) {
    for (const Descriptor& blob : blobs) store.check_present(blob);
    store.put(media_type::empty, "{}");
    Descriptor manifest = store.put(media_type::image_manifest,
                                    artifact_manifest_json(artifact_type, blobs, subject, annotations));
    manifest.artifact_type = std::string(artifact_type);
    manifest.platform = Platform{"unknown", "unknown", ""};
    manifest.annotations = {{"vnd.docker.reference.digest", subject.digest},
                            {"vnd.docker.reference.type", "attestation-manifest"}};
    return manifest;
}

Descriptor put_index(const BlobStore& store, const std::vector<Descriptor>& manifests,
                     const std::map<std::string, std::string>& annotations) {
    for (const Descriptor& manifest : manifests) store.check_present(manifest);
    return store.put(media_type::image_index, index_json(manifests, annotations));
}

}  // namespace xbuild::oci
