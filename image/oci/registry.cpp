#include "image/oci/registry.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/interrupt.hpp"
#include "builder/core/text.hpp"
#include "image/oci/auth.hpp"
#include "image/oci/http.hpp"
#include "image/oci/manifest.hpp"
#include "image/oci/reference.hpp"
#include "image/oci/registry_session.hpp"

namespace xbuild::oci {

using namespace detail;  // the session and its requests (registry_session.hpp)

namespace {

void push_blob(Session& session, const BlobStore& store, const Descriptor& blob, const Reporter& reporter) {
    store.check_present(blob);
    push_blob_file(session, store.path_of(blob.digest), blob, reporter);
}

void push_manifest(Session& session, const BlobStore& store, const Descriptor& manifest,
                   const std::string& name) {
    put_manifest(session, name, manifest.media_type, store.read(manifest.digest), manifest.digest);
}

// ---- index create ----

// Reads a source image: its index's entries, or its manifest with the platform of its config.
SourceImage read_source(Session& session, const Reference& ref, const std::string& name) {
    const std::string what = "reading " + name;
    const std::string tag_or_digest = !ref.digest.empty() ? ref.digest : ref.tag.empty() ? "latest" : ref.tag;
    const Document document =
        get_document(session, ref.repository, "manifests", tag_or_digest, ref.digest, k_max_document, what);
    SourceImage image{name, {}};
    if (is_index_type(document.media_type)) {
        for (Descriptor& entry : parse_index(document.body, name).manifests) {
            if (!entry.platform) fail("{}: index entry {} has no platform", name, short_digest(entry.digest));
            image.manifests.push_back(std::move(entry));
        }
    } else if (is_manifest_type(document.media_type)) {
        const Manifest manifest = parse_manifest(document.body, name);
        const Document config = get_document(session, ref.repository, "blobs", manifest.config.digest,
                                             manifest.config.digest, k_max_document, what);
        image.manifests.push_back(Descriptor{document.media_type,
                                             document.digest,
                                             document.body.size(),
                                             platform_of_config(config.body, name + ": config"),
                                             {},
                                             ""});
    } else {
        fail("{}: the registry served '{}', not an image manifest or index", name,
             text::printable(document.media_type.substr(0, 100)));
    }
    return image;
}

// Makes blob present in the session's repository: there already, mounted from `from`, or read from
// there (verified) and uploaded.
void copy_blob(Session& session, const std::string& from, const Descriptor& blob, const Reporter& reporter) {
    const std::string what = "copying blob " + short_digest(blob.digest);
    HttpResponse found = session.send({"HEAD", session.url("/blobs/" + blob.digest)}, what);
    if (found.status == 200) return;
    if (found.status != 404) session.refuse(what, found);
    HttpRequest mount{"POST", session.url(fmt::format("/blobs/uploads/?mount={}&from={}",
                                                      percent_encode(blob.digest), percent_encode(from)))};
    HttpResponse mounted = session.send(mount, what);
    if (mounted.status == 201) {
        check_digest_header(session, mounted, blob.digest, what);
        reporter.verbose(fmt::format("mounted blob {} from {}", short_digest(blob.digest), from));
        return;
    }
    if (mounted.status != 202) session.refuse(what, mounted);
    // The registry did not mount, and started an ordinary upload instead.
    Step step(reporter, fmt::format("{} from {} ({})", what, from, format_bytes(blob.size)));
    std::string upload = session.resolve(mounted.header("location"), mount.url, what);
    const Document data = get_document(session, from, "blobs", blob.digest, blob.digest, blob.size, what);
    if (data.body.size() != blob.size)
        session.fail_with(what, "{} bytes read, the manifest says {}", data.body.size(), blob.size);
    upload += (upload.find('?') == std::string::npos ? "?" : "&") + ("digest=" + percent_encode(blob.digest));
    HttpRequest put{"PUT", upload, {"Content-Type: application/octet-stream"}};
    put.body = data.body;
    HttpResponse stored = session.send(put, what);
    if (stored.status != 201) session.refuse(what, stored);
    check_digest_header(session, stored, blob.digest, what);
    step.done();
}

// Copies a manifest (or an index, with its children) of repository `from` into the session's
// repository: the blobs it references, then the document under its digest.
void copy_manifest(Session& session, const std::string& from, const Descriptor& manifest, int depth,
                   const Reporter& reporter) {
    const std::string what = "copying manifest " + short_digest(manifest.digest);
    if (depth > 4) session.fail_with(what, "indexes nested more than 4 deep");
    const Document document =
        get_document(session, from, "manifests", manifest.digest, manifest.digest, k_max_document, what);
    if (is_index_type(document.media_type)) {
        for (const Descriptor& child : parse_index(document.body, what).manifests)
            copy_manifest(session, from, child, depth + 1, reporter);
    } else if (is_manifest_type(document.media_type)) {
        const Manifest parsed = parse_manifest(document.body, what);
        copy_blob(session, from, parsed.config, reporter);
        for (const Descriptor& layer : parsed.layers) copy_blob(session, from, layer, reporter);
    } else {
        session.fail_with(what, "media type '{}' is neither a manifest nor an index",
                          text::printable(document.media_type.substr(0, 100)));
    }
    put_manifest(session, manifest.digest, document.media_type, document.body, manifest.digest);
}

bool is_attestation(const Descriptor& entry) {
    return entry.platform && entry.platform->os == "unknown" &&
           entry.annotations.count("vnd.docker.reference.digest") != 0;
}

}  // namespace

std::vector<Descriptor> merge_index_entries(const std::vector<SourceImage>& sources) {
    std::vector<Descriptor> images, attestations;
    std::map<std::string, std::string> platform_source;  // "linux/amd64" -> the source that has it
    for (const SourceImage& source : sources) {
        for (const Descriptor& entry : source.manifests) {
            if (is_attestation(entry)) continue;
            const std::string platform = to_string(*entry.platform);
            auto [at, added] = platform_source.emplace(platform, source.name);
            if (!added) fail("{}: {} is in {} already", source.name, platform, at->second);
            images.push_back(entry);
        }
    }
    if (images.empty()) fail("no image manifest in {}", sources.empty() ? "no source" : sources.front().name);
    for (const SourceImage& source : sources)
        for (const Descriptor& entry : source.manifests) {
            if (!is_attestation(entry)) continue;
            const std::string& subject = entry.annotations.at("vnd.docker.reference.digest");
            if (std::any_of(images.begin(), images.end(),
                            [&](const Descriptor& d) { return d.digest == subject; }))
                attestations.push_back(entry);
        }
    images.insert(images.end(), attestations.begin(), attestations.end());
    return images;
}

std::string create_index(std::string_view target, const std::vector<std::string>& sources,
                         const PushOptions& options, const Reporter& reporter) {
    Reference ref = parse_reference(target);
    if (!ref.digest.empty())
        fail("cannot create index '{}': it needs a tag, not a digest", text::printable(target));
    if (ref.tag.empty()) ref.tag = "latest";
    if (sources.empty()) fail("index create {}: no source images", ref.to_string());
    std::vector<Reference> source_refs;
    std::vector<std::string> pull_repositories;
    for (const std::string& source : sources) {
        Reference source_ref = parse_reference(source);
        if (source_ref.registry != ref.registry)
            fail("{}: on registry {}, the index on {}: index create merges images of one registry", source,
                 source_ref.registry, ref.registry);
        if (source_ref.repository != ref.repository &&
            std::find(pull_repositories.begin(), pull_repositories.end(), source_ref.repository) ==
                pull_repositories.end())
            pull_repositories.push_back(source_ref.repository);
        source_refs.push_back(std::move(source_ref));
    }
    Session session(ref, options, "for", pull_repositories);
    std::vector<SourceImage> images;
    for (size_t i = 0; i < sources.size(); ++i)
        images.push_back(read_source(session, source_refs[i], sources[i]));
    const std::vector<Descriptor> entries = merge_index_entries(images);
    std::vector<std::string> platforms;
    for (const Descriptor& entry : entries) {
        size_t i = 0;
        while (std::none_of(images[i].manifests.begin(), images[i].manifests.end(),
                            [&](const Descriptor& d) { return d.digest == entry.digest; }))
            ++i;
        if (source_refs[i].repository != ref.repository)
            copy_manifest(session, source_refs[i].repository, entry, 0, reporter);
        if (!is_attestation(entry)) platforms.push_back(to_string(*entry.platform));
    }
    nlohmann::json index = {
        {"schemaVersion", 2}, {"mediaType", media_type::image_index}, {"manifests", nlohmann::json::array()}};
    for (const Descriptor& entry : entries) index["manifests"].push_back(to_json(entry));
    const std::string body = canonical_dump(index, "image index");
    const std::string digest = sha256_digest(body);
    put_manifest(session, ref.tag, media_type::image_index, body, digest);
    reporter.info(fmt::format("created {} ({}): {}", ref.to_string(), digest, fmt::join(platforms, ", ")));
    return digest;
}

std::string push(const BlobStore& store, const Descriptor& root, std::string_view reference,
                 const PushOptions& options, const Reporter& reporter) {
    Reference ref = parse_reference(reference);
    if (!ref.digest.empty())
        fail("cannot push to '{}': a push needs a tag, not a digest", text::printable(reference));
    if (ref.tag.empty()) ref.tag = "latest";
    const Content content = collect_content(store, root);
    Session session(ref, options);
    for (const Descriptor& blob : content.blobs) push_blob(session, store, blob, reporter);
    for (const Descriptor& manifest : content.manifests)
        if (manifest.digest != root.digest) push_manifest(session, store, manifest, manifest.digest);
    push_manifest(session, store, root, ref.tag);
    reporter.info(fmt::format("pushed {} ({})", ref.to_string(), root.digest));
    return root.digest;
}

}  // namespace xbuild::oci
