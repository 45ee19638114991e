#include "image/oci/manifest.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::oci {

using nlohmann::json;

namespace {

constexpr int k_max_index_depth = 4;

json parse_object(std::string_view text, std::string_view source) {
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded()) fail("{}: not valid JSON", source);
    if (!value.is_object()) fail("{}: not a JSON object", source);
    auto version = value.find("schemaVersion");
    if (version == value.end() || !version->is_number_integer() || version->get<long long>() != 2)
        fail("{}: schemaVersion is not 2", source);
    return value;
}

// The "mediaType" field when present (it must then agree with expected), else the first expected one.
std::string document_type(const json& value, std::string_view source, std::string_view oci,
                          std::string_view docker) {
    auto it = value.find("mediaType");
    if (it == value.end()) return std::string(oci);
    if (!it->is_string() || (*it != oci && *it != docker))
        fail("{}: unexpected mediaType {}", source, text::printable(it->dump()));
    return it->get<std::string>();
}

std::vector<Descriptor> descriptor_list(const json& value, const char* key, std::string_view source) {
    auto it = value.find(key);
    if (it == value.end() || !it->is_array()) fail("{}: \"{}\" is missing or not an array", source, key);
    std::vector<Descriptor> out;
    for (const json& item : *it)
        out.push_back(descriptor_from_json(item, fmt::format("{}: {}[{}]", source, key, out.size())));
    return out;
}

std::string source_of(const Descriptor& descriptor) {
    return (is_index_type(descriptor.media_type) ? "index " : "manifest ") + descriptor.digest;
}

bool same_platform(const Platform& a, const Platform& b) {
    return a.os == b.os && a.architecture == b.architecture &&
           (a.variant == b.variant || a.variant.empty() || b.variant.empty());
}

class Walker {
  public:
    explicit Walker(const BlobStore& store) : m_store(store) {}

    void walk(const Descriptor& descriptor, int depth) {
        if (!m_seen.insert(descriptor.digest).second) return;
        const std::string source = "blob store " + m_store.dir().string() + ": " + source_of(descriptor);
        const std::string text = m_store.read(descriptor.digest);
        if (text.size() != descriptor.size)
            fail("{} has {} bytes, its descriptor says {}", source, text.size(), descriptor.size);
        if (is_index_type(descriptor.media_type)) {
            if (depth >= k_max_index_depth)
                fail("{}: indexes nested more than {} deep", source, k_max_index_depth);
            for (const Descriptor& child : parse_index(text, source).manifests) {
                if (!is_manifest_type(child.media_type) && !is_index_type(child.media_type))
                    fail("{}: entry {} has media type '{}'", source, child.digest,
                         text::printable(child.media_type));
                walk(child, depth + 1);
            }
        } else if (is_manifest_type(descriptor.media_type)) {
            const Manifest manifest = parse_manifest(text, source);
            add_blob(manifest.config);
            for (const Descriptor& layer : manifest.layers) add_blob(layer);
        } else {
            fail("{}: media type '{}' is neither a manifest nor an index", source,
                 text::printable(descriptor.media_type));
        }
        m_content.manifests.push_back(descriptor);
    }

    Content take() { return std::move(m_content); }

  private:
    void add_blob(const Descriptor& blob) {
        if (!m_seen.insert(blob.digest).second) return;
        m_store.check_present(blob);
        m_content.blobs.push_back(blob);
    }

    const BlobStore& m_store;
    std::set<std::string> m_seen;
    Content m_content;
};

Platform config_platform(const BlobStore& store, const Descriptor& manifest_descriptor) {
    const std::string source = source_of(manifest_descriptor);
    const Manifest manifest = parse_manifest(store.read(manifest_descriptor.digest), source);
    return platform_of_config(store.read(manifest.config.digest), "config " + manifest.config.digest);
}

}  // namespace

Platform platform_of_config(std::string_view text, std::string_view source) {
    const json config = json::parse(text, nullptr, false);
    if (!config.is_object()) fail("{}: not a JSON object", source);
    json fields = {{"os", config.value("os", json())},
                   {"architecture", config.value("architecture", json())}};
    if (config.contains("variant")) fields["variant"] = config["variant"];
    return platform_from_json(fields, source);
}

Manifest parse_manifest(std::string_view text, std::string_view source) {
    const json value = parse_object(text, source);
    Manifest manifest;
    manifest.media_type =
        document_type(value, source, media_type::image_manifest, media_type::docker_manifest);
    auto config = value.find("config");
    if (config == value.end()) fail("{}: \"config\" is missing", source);
    manifest.config = descriptor_from_json(*config, std::string(source) + ": config");
    manifest.layers = descriptor_list(value, "layers", source);
    manifest.annotations = annotations_from_json(value, source);
    return manifest;
}

Index parse_index(std::string_view text, std::string_view source) {
    const json value = parse_object(text, source);
    Index index;
    index.media_type =
        document_type(value, source, media_type::image_index, media_type::docker_manifest_list);
    index.manifests = descriptor_list(value, "manifests", source);
    index.annotations = annotations_from_json(value, source);
    return index;
}

Content collect_content(const BlobStore& store, const Descriptor& root) {
    Walker walker(store);
    walker.walk(root, 0);
    return walker.take();
}

Descriptor select_platform(const BlobStore& store, const Descriptor& root, const Platform& platform) {
    if (is_manifest_type(root.media_type)) {
        const Platform own = root.platform ? *root.platform : config_platform(store, root);
        if (!same_platform(own, platform))
            fail("{} is an image for {}, not {}", source_of(root), to_string(own), to_string(platform));
        return root;
    }
    if (!is_index_type(root.media_type))
        fail("{}: media type '{}' is neither a manifest nor an index", root.digest,
             text::printable(root.media_type));
    const Index index = parse_index(store.read(root.digest), source_of(root));
    std::string available;
    for (const Descriptor& entry : index.manifests) {
        if (!entry.platform) continue;
        if (is_manifest_type(entry.media_type) && same_platform(*entry.platform, platform)) return entry;
        available += (available.empty() ? "" : ", ") + to_string(*entry.platform);
    }
    fail("{} has no image for {} (it has: {})", source_of(root), to_string(platform),
         available.empty() ? "none" : available);
}

}  // namespace xbuild::oci
