#include "image/oci/cache_repository.hpp"

#include <nlohmann/json.hpp>

#include "builder/core/atomic_file.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "image/oci/manifest.hpp"
#include "image/oci/registry_session.hpp"

namespace xbuild::oci {

using namespace detail;  // the session and its requests (registry_session.hpp)

namespace {

constexpr std::string_view k_cache_artifact = "application/vnd.xbuild.cache.v1";
constexpr std::string_view k_cache_config = "application/vnd.xbuild.cache.config.v1+json";
constexpr std::string_view k_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
constexpr int k_download_attempts = 3;

// Downloads blob from the session's repository into file (replaced), hashing it on the way: a body
// that does not hash to the blob's digest or has another size (a connection dropped and resumed by a
// retry mid-body, a corrupt registry) is downloaded again, k_download_attempts in all.
void download_blob(Session& session, const Descriptor& blob, const std::filesystem::path& file,
                   std::string_view what) {
    std::string got;
    for (int attempt = 1; attempt <= k_download_attempts; ++attempt) {
        fs::AtomicFile out = fs::AtomicFile::next_to(file);
        hash::Sha256 hasher;
        HttpRequest get{"GET", session.url("/blobs/" + blob.digest)};
        get.follow_redirects = true;  // blob storage may be elsewhere (credentials stay home)
        get.body_sink = [&](std::string_view bytes) {
            if (out.size() + bytes.size() > blob.size) fail("more than the {} bytes of the blob", blob.size);
            out.write(bytes);
            hasher.update(bytes);
        };
        HttpResponse response = session.send(get, what);
        if (response.status != 200) session.refuse(what, response);
        got = "sha256:" + hasher.hex_digest();
        if (out.size() == blob.size && got == blob.digest) {
            out.commit(file, 0644);
            return;
        }
    }
    session.fail_with(what, "the registry served content of digest {}, not {} ({} attempts)",
                      short_digest(got), short_digest(blob.digest), k_download_attempts);
}

// HEAD of the manifest under tag: true when it is there (200), false when not (404).
bool has_manifest(Session& session, const std::string& tag, std::string_view what) {
    HttpRequest head{"HEAD", session.url("/manifests/" + tag), {std::string(k_accept_manifests)}};
    HttpResponse found = session.send(head, what);
    if (found.status == 200) return true;
    if (found.status != 404) session.refuse(what, found);
    return false;
}

}  // namespace

std::string cache_tag(std::string_view kind, std::string_view key) {
    const std::string tag = fmt::format("{}-{}", kind, key);
    if (!valid_tag(tag)) fail("cache entry '{}': not a valid registry tag", text::printable(tag));
    return tag;
}

struct CacheRepository::Connection {
    Connection(Reference parsed, PushOptions given)
        : ref(std::move(parsed)), options(std::move(given)), session(ref, options, "in") {}
    Reference ref;
    PushOptions options;
    Session session;
};

CacheRepository::CacheRepository(std::string_view repository, PushOptions options) {
    Reference ref = parse_reference(repository);
    if (!ref.tag.empty() || !ref.digest.empty())
        fail("cache registry '{}': a repository (host/path), without a tag or digest",
             text::printable(repository));
    m_name = ref.registry + "/" + ref.repository;
    m_connection = std::make_unique<Connection>(std::move(ref), std::move(options));
}

CacheRepository::~CacheRepository() = default;

bool CacheRepository::has(std::string_view kind, const std::string& key) {
    std::lock_guard lock(m_mutex);
    const std::string tag = cache_tag(kind, key);
    return has_manifest(m_connection->session, tag, "looking up " + tag);
}

void CacheRepository::push(const CacheArtifact& artifact, const std::filesystem::path& archive,
                           const Reporter& reporter) {
    std::lock_guard lock(m_mutex);
    Session& session = m_connection->session;
    const std::string tag = cache_tag(artifact.kind, artifact.key);
    const std::string config = canonical_dump(
        {{"kind", artifact.kind}, {"key", artifact.key}, {"description", artifact.description}},
        "cache config");
    const Descriptor config_blob{
        std::string(k_cache_config), sha256_digest(config), config.size(), {}, {}, ""};
    hash::Sha256 hasher;
    const std::uint64_t size = hasher.update_file(archive);
    const Descriptor layer{std::string(k_layer_zstd), "sha256:" + hasher.hex_digest(), size, {}, {}, ""};
    // The config is small: written next to the archive to go through the same upload.
    const std::filesystem::path config_file = archive.string() + ".config.json";
    fs::write_file_atomic(config_file, config);
    push_blob_file(session, config_file, config_blob, reporter);
    std::filesystem::remove(config_file);
    push_blob_file(session, archive, layer, reporter);
    nlohmann::json manifest = {{"schemaVersion", 2},
                               {"mediaType", media_type::image_manifest},
                               {"artifactType", k_cache_artifact},
                               {"config", to_json(config_blob)},
                               {"layers", nlohmann::json::array({to_json(layer)})},
                               {"annotations",
                                {{"dev.xbuild.cache.kind", artifact.kind},
                                 {"dev.xbuild.cache.key", artifact.key},
                                 {"org.opencontainers.image.description", artifact.description}}}};
    const std::string body = canonical_dump(manifest, "cache manifest");
    put_manifest(session, tag, media_type::image_manifest, body, sha256_digest(body));
}

bool CacheRepository::pull(std::string_view kind, const std::string& key,
                           const std::filesystem::path& archive) {
    std::lock_guard lock(m_mutex);
    Session& session = m_connection->session;
    const std::string tag = cache_tag(kind, key);
    const std::string what = "pulling " + tag;
    if (!has_manifest(session, tag, what)) return false;
    const Document document =
        get_document(session, session.repository(), "manifests", tag, "", k_max_document, what);
    if (!is_manifest_type(document.media_type))
        session.fail_with(what, "not a cache artifact (media type '{}')",
                          text::printable(document.media_type.substr(0, 100)));
    const Manifest manifest = parse_manifest(document.body, what);
    const nlohmann::json json = nlohmann::json::parse(document.body, nullptr, false);
    auto annotation = [&](const char* name) {
        auto it = manifest.annotations.find(name);
        return it != manifest.annotations.end() ? it->second : std::string();
    };
    if (json.value("artifactType", std::string()) != k_cache_artifact ||
        annotation("dev.xbuild.cache.kind") != kind || annotation("dev.xbuild.cache.key") != key)
        session.fail_with(what, "the tag holds something else than xbuild's {} entry {}", kind, key);
    if (manifest.config.media_type != k_cache_config || manifest.layers.size() != 1 ||
        manifest.layers.front().media_type != k_layer_zstd)
        session.fail_with(what, "unexpected config or layers in the cache manifest");
    const Document config = get_document(session, session.repository(), "blobs", manifest.config.digest,
                                         manifest.config.digest, k_max_document, what);
    const nlohmann::json info = nlohmann::json::parse(config.body, nullptr, false);
    if (!info.is_object() || info.value("kind", std::string()) != kind ||
        info.value("key", std::string()) != key)
        session.fail_with(what, "its config names another entry");
    download_blob(session, manifest.layers.front(), archive, what);
    return true;
}

}  // namespace xbuild::oci
