#include "image/oci/registry.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "builder/core/atomic_file.hpp"
#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/interrupt.hpp"
#include "builder/core/text.hpp"
#include "image/oci/auth.hpp"
#include "image/oci/http.hpp"
#include "image/oci/manifest.hpp"
#include "image/oci/reference.hpp"

namespace xbuild::oci {

namespace {

constexpr int k_attempts = 5;  // of each request, and of each blob upload

// "scheme://host[:port]" of an absolute URL, "" for anything else.
std::string origin_of(std::string_view url) {
    size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    size_t end = url.find_first_of("/?#", scheme_end + 3);
    return std::string(url.substr(0, end));
}

// "HTTP <status>: <the registry's message>": "CODE: message" of the first entry of {"errors": [...]},
// else the first line of the body (printable, at most 200 characters); "HTTP <status>" without a body.
std::string describe(const HttpResponse& response) {
    const std::string status = fmt::format("HTTP {}", response.status);
    const nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
    auto string_at = [](const nlohmann::json& object, const char* key) {
        auto it = object.find(key);
        return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (json.is_object()) {
        auto errors = json.find("errors");
        if (errors != json.end() && errors->is_array() && !errors->empty() && errors->front().is_object()) {
            std::string code = string_at(errors->front(), "code");
            std::string message = string_at(errors->front(), "message");
            std::string text = code.empty() ? message : message.empty() ? code : code + ": " + message;
            if (!text.empty()) return status + ": " + text::printable(text.substr(0, 200));
        }
    }
    const std::string_view body = response.body;
    std::string_view line = text::trim(body.substr(0, body.find('\n')));
    if (line.ends_with('\r')) line = text::trim(line.substr(0, line.size() - 1));
    return line.empty() ? status : status + ": " + text::printable(line.substr(0, 200));
}

}  // namespace

namespace detail {

class Session {
  public:
    // Messages read "<what> <preposition> <registry/repository>: <why>". Tokens are asked for push
    // access to the reference's repository and pull access to each of pull_repositories.
    Session(const Reference& ref, const PushOptions& options, std::string preposition = "to",
            std::vector<std::string> pull_repositories = {})
        : m_ref(ref),
          m_options(options),
          m_target(ref.registry + "/" + ref.repository),
          m_preposition(std::move(preposition)),
          m_pull_repositories(std::move(pull_repositories)) {
        m_origin = options.insecure    ? "http://" + ref.api_host()
                   : ref.is_loopback() ? loopback_origin(ref.api_host())
                                       : "https://" + ref.api_host();
    }

    const std::string& target() const { return m_target; }
    const std::string& repository() const { return m_ref.repository; }
    std::string url(std::string_view path) const { return url_in(m_ref.repository, path); }
    std::string url_in(std::string_view repository, std::string_view path) const {
        return m_origin + "/v2/" + std::string(repository) + std::string(path);
    }

    // Sends the request with the current credentials; on a 401, authenticates as the challenge asks and
    // sends it once more. `what` names the step in errors ("pushing blob sha256:…").
    HttpResponse send(HttpRequest request, std::string_view what) {
        HttpResponse response = send_once(request, what);
        if (response.status != 401) return response;
        const std::string used = m_authorization;
        authenticate(response, what);
        if (m_authorization == used)
            fail("{} {} {}: authentication failed: {}", what, m_preposition, m_target, describe(response));
        response = send_once(request, what);
        if (response.status == 401)
            fail("{} {} {}: the registry refused the credentials: {}", what, m_preposition, m_target,
                 describe(response));
        return response;
    }

    [[noreturn]] void refuse(std::string_view what, const HttpResponse& response) const {
        fail("{} {} {}: {}", what, m_preposition, m_target, describe(response));
    }

    // "<what> <preposition> <target>: <why>" for any other failure.
    template <class... Args>
    [[noreturn]] void fail_with(std::string_view what, fmt::format_string<Args...> why,
                                Args&&... args) const {
        fail("{} {} {}: {}", what, m_preposition, m_target, fmt::format(why, std::forward<Args>(args)...));
    }

    // Resolves an upload Location against the URL of the request that returned it.
    std::string resolve(std::string_view location, std::string_view request_url,
                        std::string_view what) const {
        if (location.empty()) fail_with(what, "the registry gave no upload Location");
        if (location.find_first_of(" \t\r\n") != std::string_view::npos)
            fail_with(what, "invalid upload Location '{}'", text::printable(location));
        if (location.starts_with("https://") || location.starts_with("http://")) return std::string(location);
        if (location.starts_with("//"))
            return m_origin.substr(0, m_origin.find("//")) + std::string(location);
        if (location.starts_with('/')) return m_origin + std::string(location);
        std::string_view base = request_url.substr(0, request_url.find_first_of("?#"));
        return std::string(base.substr(0, base.rfind('/') + 1)) + std::string(location);
    }

  private:
    // A loopback registry is spoken to as docker does: HTTPS when it answers TLS (its certificate
    // then has to be trusted: XBUILD_REGISTRY_CA), else plain HTTP. A TLS server asked in plain HTTP
    // says so (Go's "Client sent an HTTP request to an HTTPS server"); neither answering (a dropped
    // connection) is asked again, k_attempts in all; then plain HTTP, whose errors name the failure.
    std::string loopback_origin(const std::string& host) {
        for (int attempt = 1; attempt <= k_attempts; ++attempt) {
            try {
                m_http.send({"GET", "https://" + host + "/v2/"});
                return "https://" + host;
            } catch (const Error&) {
                if (m_http.last_failure_untrusted()) return "https://" + host;
            }
            try {
                HttpResponse answer = m_http.send({"GET", "http://" + host + "/v2/"});
                const bool tls_only = answer.status == 400 && answer.body.find("HTTPS") != std::string::npos;
                return (tls_only ? "https://" : "http://") + host;
            } catch (const Error&) {
            }
            if (attempt < k_attempts) interrupt::sleep_for(std::chrono::milliseconds(250 << (attempt - 1)));
        }
        return "http://" + host;
    }

    // Sends the request, again after a dropped connection or an answer that says to try later (429,
    // 500, 502, 503, 504): k_attempts in all, waiting 0.25 s, 0.5 s, 1 s, 2 s between them.
    HttpResponse send_once(const HttpRequest& request, std::string_view what) {
        HttpRequest copy = request;
        if (!m_authorization.empty() && origin_of(copy.url) == m_origin)
            copy.headers.push_back("Authorization: " + m_authorization);
        for (int attempt = 1;; ++attempt) {
            try {
                HttpResponse response = m_http.send(copy);
                const long status = response.status;
                const bool later =
                    status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
                if (!later || attempt == k_attempts) return response;
            } catch (const Error& error) {
                if (attempt == k_attempts || m_http.last_failure_untrusted())
                    fail("{} {} {}: {}{}", what, m_preposition, m_target, error.what(),
                         attempt > 1 ? fmt::format(" (after {} attempts)", attempt) : "");
                // A dropped connection: libcurl opens a new one for the next attempt.
            }
            interrupt::sleep_for(std::chrono::milliseconds(250 << (attempt - 1)));
        }
    }

    void authenticate(const HttpResponse& response, std::string_view what) {
        std::vector<Challenge> challenges;
        for (const std::string& header : response.header_values("www-authenticate")) {
            try {
                for (Challenge& challenge : parse_www_authenticate(header))
                    challenges.push_back(std::move(challenge));
            } catch (const Error& error) {
                fail("{} {} {}: {}", what, m_preposition, m_target, error.what());
            }
        }
        auto find = [&](std::string_view scheme) {
            return std::find_if(challenges.begin(), challenges.end(),
                                [&](const Challenge& c) { return c.scheme == scheme; });
        };
        if (auto bearer = find("bearer"); bearer != challenges.end()) {
            m_authorization = "Bearer " + fetch_token(*bearer, what);
        } else if (find("basic") != challenges.end()) {
            if (m_options.credentials.empty())
                fail("{} {} {}: the registry asks for a user name and password (HTTP Basic)", what,
                     m_preposition, m_target);
            m_authorization = basic_authorization(m_options.credentials);
        } else {
            fail("{} {} {}: no Bearer or Basic challenge in the answer: {}", what, m_preposition, m_target,
                 describe(response));
        }
    }

    std::string fetch_token(const Challenge& bearer, std::string_view what) {
        std::vector<std::string> scopes;
        if (auto scope = bearer.params.find("scope"); scope != bearer.params.end() && !scope->second.empty())
            scopes.push_back(scope->second);
        const std::string push_scope = "repository:" + m_ref.repository + ":pull,push";
        if (std::find(scopes.begin(), scopes.end(), push_scope) == scopes.end()) scopes.push_back(push_scope);
        for (const std::string& repository : m_pull_repositories) {
            const std::string pull_scope = "repository:" + repository + ":pull";
            if (std::find(scopes.begin(), scopes.end(), pull_scope) == scopes.end())
                scopes.push_back(pull_scope);
        }
        HttpRequest request;
        try {
            request.url = token_url(bearer, scopes);
        } catch (const Error& error) {
            fail("{} {} {}: {}", what, m_preposition, m_target, error.what());
        }
        request.follow_redirects = true;
        if (!m_options.credentials.empty())
            request.headers.push_back("Authorization: " + basic_authorization(m_options.credentials));
        const std::string realm = origin_of(request.url);
        HttpResponse response;
        try {
            response = m_http.send(request);
        } catch (const Error& error) {
            fail("{} {} {}: getting a token: {}", what, m_preposition, m_target, error.what());
        }
        if (response.status != 200)
            fail("{} {} {}: getting a token from {}: {}", what, m_preposition, m_target, realm,
                 describe(response));
        return parse_token_response(
            response.body, fmt::format("{} {} {}: token from {}", what, m_preposition, m_target, realm));
    }

    const Reference& m_ref;
    const PushOptions& m_options;
    std::string m_origin;  // "http://127.0.0.1:5000"
    std::string m_target;  // "127.0.0.1:5000/app", for messages
    std::string m_preposition;
    std::vector<std::string> m_pull_repositories;
    std::string m_authorization;
    HttpClient m_http;
};

}  // namespace detail

namespace {

using detail::Session;

void check_digest_header(Session& session, const HttpResponse& response, std::string_view digest,
                         std::string_view what) {
    const std::string answer = response.header("docker-content-digest");
    if (!answer.empty() && answer != digest)
        session.fail_with(what, "the registry stored it as {}", text::printable(answer.substr(0, 100)));
}

// Blobs larger than this are uploaded in chunks of this size (PATCH), smaller ones in one PUT.
constexpr std::uint64_t k_chunk = std::uint64_t{32} << 20;

// Sends file (the blob's bytes) to the upload at `upload` (a Location from POST .../blobs/uploads/):
// one PUT ?digest= with the content, or, for a blob over k_chunk, PATCHes of k_chunk bytes each
// (Content-Range), each to the Location the previous answer gave, then a PUT ?digest= without a body.
// Returns the final answer; an answer that is not the expected one ends the upload early with it.
HttpResponse send_blob(Session& session, std::string upload, const std::filesystem::path& file,
                       const Descriptor& blob, std::string_view what) {
    auto with_digest = [&](std::string url) {
        return url + (url.find('?') == std::string::npos ? "?" : "&") +
               "digest=" + percent_encode(blob.digest);
    };
    if (blob.size <= k_chunk) {
        HttpRequest put{"PUT", with_digest(upload), {"Content-Type: application/octet-stream"}};
        put.body_file = file;
        return session.send(put, what);
    }
    for (std::uint64_t offset = 0; offset < blob.size; offset += k_chunk) {
        const std::uint64_t length = std::min(k_chunk, blob.size - offset);
        HttpRequest patch{"PATCH",
                          upload,
                          {"Content-Type: application/octet-stream",
                           fmt::format("Content-Range: {}-{}", offset, offset + length - 1)}};
        patch.body_file = file;
        patch.body_offset = offset;
        patch.body_length = length;
        HttpResponse answer = session.send(patch, what);
        if (answer.status != 202) return answer;
        upload = session.resolve(answer.header("location"), upload, what);
    }
    return session.send({"PUT", with_digest(upload), {"Content-Type: application/octet-stream"}}, what);
}

// HEAD, then POST and the upload (send_blob). An upload the registry no longer knows or got only in
// part (404 or 416: a request retried after its answer or part of its body was lost, a session that
// expired) starts over from the HEAD, which then finds the blob when the lost PUT had stored it.
void push_blob_file(Session& session, const std::filesystem::path& file, const Descriptor& blob,
                    const Reporter& reporter) {
    const std::string what = "pushing blob " + short_digest(blob.digest);
    std::optional<Step> step;
    for (int attempt = 1;; ++attempt) {
        HttpRequest head{"HEAD", session.url("/blobs/" + blob.digest)};
        HttpResponse found = session.send(head, what);
        if (found.status == 200) {
            reporter.verbose(
                fmt::format("blob {} is in {} already", short_digest(blob.digest), session.target()));
            if (step) step->done();
            return;
        }
        if (found.status != 404) session.refuse(what, found);
        if (!step) step.emplace(reporter, fmt::format("{} ({})", what, format_bytes(blob.size)));
        HttpRequest start{"POST", session.url("/blobs/uploads/")};
        HttpResponse started = session.send(start, what);
        if (started.status != 202) session.refuse(what, started);
        const std::string upload = session.resolve(started.header("location"), start.url, what);
        HttpResponse stored = send_blob(session, upload, file, blob, what);
        if ((stored.status == 404 || stored.status == 416) && attempt < k_attempts) continue;
        if (stored.status != 201) session.refuse(what, stored);
        check_digest_header(session, stored, blob.digest, what);
        step->done();
        return;
    }
}

void push_blob(Session& session, const BlobStore& store, const Descriptor& blob, const Reporter& reporter) {
    store.check_present(blob);
    push_blob_file(session, store.path_of(blob.digest), blob, reporter);
}

// PUT /v2/<repo>/manifests/<name> of a document whose digest is known.
void put_manifest(Session& session, const std::string& name, std::string_view media_type, std::string body,
                  std::string_view digest) {
    const std::string what = fmt::format("pushing manifest {}", name == digest ? short_digest(name) : name);
    HttpRequest put{"PUT", session.url("/manifests/" + name), {"Content-Type: " + std::string(media_type)}};
    put.body = std::move(body);
    HttpResponse stored = session.send(put, what);
    if (stored.status != 201) session.refuse(what, stored);
    check_digest_header(session, stored, digest, what);
}

void push_manifest(Session& session, const BlobStore& store, const Descriptor& manifest,
                   const std::string& name) {
    put_manifest(session, name, manifest.media_type, store.read(manifest.digest), manifest.digest);
}

// ---- index create ----

constexpr std::string_view k_accept_manifests =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr std::size_t k_max_document = std::size_t{4} << 20;

struct Document {
    std::string media_type;  // of a manifest: its mediaType, else the Content-Type
    std::string digest;      // sha256 of body, as received
    std::string body;
};

// GET /v2/<repository>/<kind>/<name> ("manifests" or "blobs"), at most limit bytes. The body must hash
// to expected (when given) and to the Docker-Content-Digest the registry sends: nothing unverified is
// used.
Document get_document(Session& session, const std::string& repository, std::string_view kind,
                      const std::string& name, std::string_view expected, std::size_t limit,
                      std::string_view what) {
    HttpRequest get{"GET", session.url_in(repository, fmt::format("/{}/{}", kind, name))};
    if (kind == "manifests") get.headers.emplace_back(k_accept_manifests);
    get.follow_redirects = kind == "blobs";  // blob storage may be elsewhere (credentials stay home)
    get.max_body = limit + 1;
    HttpResponse response = session.send(get, what);
    if (response.status != 200) session.refuse(what, response);
    if (response.body.size() > limit) session.fail_with(what, "larger than {}", format_bytes(limit));
    Document document{"", sha256_digest(response.body), std::move(response.body)};
    if (!expected.empty() && document.digest != expected)
        session.fail_with(what, "the registry served content of digest {}, not {}",
                          short_digest(document.digest), short_digest(expected));
    const std::string header = response.header("docker-content-digest");
    if (kind == "manifests" && !header.empty() && header != document.digest)
        session.fail_with(what, "the registry says its digest is {}, the content's is {}",
                          text::printable(header.substr(0, 100)), short_digest(document.digest));
    std::string type = response.header("content-type");
    type = std::string(text::trim(std::string_view(type).substr(0, type.find(';'))));
    if (kind == "manifests") {
        const nlohmann::json json = nlohmann::json::parse(document.body, nullptr, false);
        if (json.is_object() && json.contains("mediaType") && json["mediaType"].is_string())
            type = json["mediaType"].get<std::string>();
    }
    document.media_type = std::move(type);
    return document;
}

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

// ---- the cache ----

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

}  // namespace

std::string cache_tag(std::string_view kind, std::string_view key) {
    const std::string tag = fmt::format("{}-{}", kind, key);
    const bool valid =
        !tag.empty() && tag.size() <= 128 &&
        (std::isalnum(static_cast<unsigned char>(tag[0])) || tag[0] == '_') &&
        std::all_of(tag.begin(), tag.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        });
    if (!valid) fail("cache entry '{}': not a valid registry tag", text::printable(tag));
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

bool CacheRepository::has(std::string_view kind, const std::string& key, const Reporter&) {
    std::lock_guard lock(m_mutex);
    Session& session = m_connection->session;
    const std::string tag = cache_tag(kind, key);
    HttpRequest head{"HEAD", session.url("/manifests/" + tag), {std::string(k_accept_manifests)}};
    HttpResponse found = session.send(head, "looking up " + tag);
    if (found.status == 200) return true;
    if (found.status == 404) return false;
    session.refuse("looking up " + tag, found);
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
                           const std::filesystem::path& archive, const Reporter&) {
    std::lock_guard lock(m_mutex);
    Session& session = m_connection->session;
    const std::string tag = cache_tag(kind, key);
    const std::string what = "pulling " + tag;
    HttpRequest head{"HEAD", session.url("/manifests/" + tag), {std::string(k_accept_manifests)}};
    HttpResponse found = session.send(head, what);
    if (found.status == 404) return false;
    if (found.status != 200) session.refuse(what, found);
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
