#include "image/oci/registry.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "image/oci/auth.hpp"
#include "image/oci/http.hpp"
#include "image/oci/manifest.hpp"
#include "image/oci/reference.hpp"

namespace xbuild::oci {

namespace {

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

class Session {
  public:
    Session(const Reference& ref, const PushOptions& options)
        : m_ref(ref),
          m_options(options),
          m_origin(((options.insecure || ref.is_loopback()) ? "http://" : "https://") + ref.api_host()),
          m_target(ref.registry + "/" + ref.repository) {}

    const std::string& target() const { return m_target; }
    std::string url(std::string_view path) const {
        return m_origin + "/v2/" + m_ref.repository + std::string(path);
    }

    // Sends the request with the current credentials; on a 401, authenticates as the challenge asks and
    // sends it once more. `what` names the step in errors ("pushing blob sha256:…").
    HttpResponse send(HttpRequest request, std::string_view what) {
        HttpResponse response = send_once(request, what);
        if (response.status != 401) return response;
        const std::string used = m_authorization;
        authenticate(response, what);
        if (m_authorization == used)
            fail("{} to {}: authentication failed: {}", what, m_target, describe(response));
        response = send_once(request, what);
        if (response.status == 401)
            fail("{} to {}: the registry refused the credentials: {}", what, m_target, describe(response));
        return response;
    }

    [[noreturn]] void refuse(std::string_view what, const HttpResponse& response) const {
        fail("{} to {}: {}", what, m_target, describe(response));
    }

    // Resolves an upload Location against the URL of the request that returned it.
    std::string resolve(std::string_view location, std::string_view request_url,
                        std::string_view what) const {
        if (location.empty()) fail("{} to {}: the registry gave no upload Location", what, m_target);
        if (location.find_first_of(" \t\r\n") != std::string_view::npos)
            fail("{} to {}: invalid upload Location '{}'", what, m_target, text::printable(location));
        if (location.starts_with("https://") || location.starts_with("http://")) return std::string(location);
        if (location.starts_with("//"))
            return m_origin.substr(0, m_origin.find("//")) + std::string(location);
        if (location.starts_with('/')) return m_origin + std::string(location);
        std::string_view base = request_url.substr(0, request_url.find_first_of("?#"));
        return std::string(base.substr(0, base.rfind('/') + 1)) + std::string(location);
    }

  private:
    HttpResponse send_once(const HttpRequest& request, std::string_view what) {
        HttpRequest copy = request;
        if (!m_authorization.empty() && origin_of(copy.url) == m_origin)
            copy.headers.push_back("Authorization: " + m_authorization);
        try {
            return m_http.send(copy);
        } catch (const Error& error) {
            fail("{} to {}: {}", what, m_target, error.what());
        }
    }

    void authenticate(const HttpResponse& response, std::string_view what) {
        std::vector<Challenge> challenges;
        for (const std::string& header : response.header_values("www-authenticate")) {
            try {
                for (Challenge& challenge : parse_www_authenticate(header))
                    challenges.push_back(std::move(challenge));
            } catch (const Error& error) {
                fail("{} to {}: {}", what, m_target, error.what());
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
                fail("{} to {}: the registry asks for a user name and password (HTTP Basic)", what, m_target);
            m_authorization = basic_authorization(m_options.credentials);
        } else {
            fail("{} to {}: no Bearer or Basic challenge in the answer: {}", what, m_target,
                 describe(response));
        }
    }

    std::string fetch_token(const Challenge& bearer, std::string_view what) {
        std::vector<std::string> scopes;
        if (auto scope = bearer.params.find("scope"); scope != bearer.params.end() && !scope->second.empty())
            scopes.push_back(scope->second);
        const std::string push_scope = "repository:" + m_ref.repository + ":pull,push";
        if (std::find(scopes.begin(), scopes.end(), push_scope) == scopes.end()) scopes.push_back(push_scope);
        HttpRequest request;
        try {
            request.url = token_url(bearer, scopes);
        } catch (const Error& error) {
            fail("{} to {}: {}", what, m_target, error.what());
        }
        request.follow_redirects = true;
        if (!m_options.credentials.empty())
            request.headers.push_back("Authorization: " + basic_authorization(m_options.credentials));
        const std::string realm = origin_of(request.url);
        HttpResponse response;
        try {
            response = m_http.send(request);
        } catch (const Error& error) {
            fail("{} to {}: getting a token: {}", what, m_target, error.what());
        }
        if (response.status != 200)
            fail("{} to {}: getting a token from {}: {}", what, m_target, realm, describe(response));
        return parse_token_response(response.body,
                                    fmt::format("{} to {}: token from {}", what, m_target, realm));
    }

    const Reference& m_ref;
    const PushOptions& m_options;
    std::string m_origin;  // "http://127.0.0.1:5000"
    std::string m_target;  // "127.0.0.1:5000/app", for messages
    std::string m_authorization;
    HttpClient m_http;
};

void check_digest_header(Session& session, const HttpResponse& response, const Descriptor& pushed,
                         std::string_view what) {
    const std::string answer = response.header("docker-content-digest");
    if (!answer.empty() && answer != pushed.digest)
        fail("{} to {}: the registry stored it as {}", what, session.target(),
             text::printable(answer.substr(0, 100)));
}

void push_blob(Session& session, const BlobStore& store, const Descriptor& blob, const Reporter& reporter) {
    const std::string what = "pushing blob " + short_digest(blob.digest);
    HttpRequest head{"HEAD", session.url("/blobs/" + blob.digest)};
    HttpResponse found = session.send(head, what);
    if (found.status == 200) {
        reporter.verbose(
            fmt::format("blob {} is in {} already", short_digest(blob.digest), session.target()));
        return;
    }
    if (found.status != 404) session.refuse(what, found);
    Step step(reporter, fmt::format("{} ({})", what, format_bytes(blob.size)));
    HttpRequest start{"POST", session.url("/blobs/uploads/")};
    HttpResponse started = session.send(start, what);
    if (started.status != 202) session.refuse(what, started);
    std::string upload = session.resolve(started.header("location"), start.url, what);
    upload += (upload.find('?') == std::string::npos ? "?" : "&") + ("digest=" + percent_encode(blob.digest));
    HttpRequest put{"PUT", upload, {"Content-Type: application/octet-stream"}};
    put.body_file = store.path_of(blob.digest);
    store.check_present(blob);
    HttpResponse stored = session.send(put, what);
    if (stored.status != 201) session.refuse(what, stored);
    check_digest_header(session, stored, blob, what);
    step.done();
}

void push_manifest(Session& session, const BlobStore& store, const Descriptor& manifest,
                   const std::string& name) {
    const std::string what =
        fmt::format("pushing manifest {}", name == manifest.digest ? short_digest(name) : name);
    HttpRequest put{"PUT", session.url("/manifests/" + name), {"Content-Type: " + manifest.media_type}};
    put.body = store.read(manifest.digest);
    HttpResponse stored = session.send(put, what);
    if (stored.status != 201) session.refuse(what, stored);
    check_digest_header(session, stored, manifest, what);
}

}  // namespace

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
