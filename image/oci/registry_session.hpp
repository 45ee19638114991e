#pragma once
// Inside image/oci/ only: one conversation with a registry repository (registry.hpp tells the
// transport, auth and retry rules), and the requests the push, index create and the cache share:
// blob uploads, manifest PUTs, verified GETs.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/interrupt.hpp"
#include "builder/core/log.hpp"
#include "builder/core/text.hpp"
#include "image/oci/auth.hpp"
#include "image/oci/descriptor.hpp"
#include "image/oci/http.hpp"
#include "image/oci/reference.hpp"
#include "image/oci/registry.hpp"

namespace xbuild::oci::detail {

constexpr int k_attempts = 5;  // of each request, and of each blob upload

// "scheme://host[:port]" of an absolute URL, "" for anything else.
std::string origin_of(std::string_view url);
// "HTTP <status>: <the registry's message>": "CODE: message" of the first entry of {"errors": [...]},
// else the first line of the body (printable, at most 200 characters); "HTTP <status>" without a body.
std::string describe(const HttpResponse& response);

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

// Fails (naming what) when the answer's Docker-Content-Digest is there and is not digest.
void check_digest_header(Session& session, const HttpResponse& response, std::string_view digest,
                         std::string_view what);

// HEAD, then POST and the upload: one PUT ?digest= for a blob up to 32 MiB, else PATCHes of 32 MiB
// (Content-Range) and a PUT ?digest= without a body. An upload the registry no longer knows or got
// only in part (404 or 416: a request retried after its answer or part of its body was lost, a
// session that expired) starts over from the HEAD, which then finds the blob when the lost PUT had
// stored it.
void push_blob_file(Session& session, const std::filesystem::path& file, const Descriptor& blob,
                    const Reporter& reporter);

// PUT /v2/<repo>/manifests/<name> of a document whose digest is known.
void put_manifest(Session& session, const std::string& name, std::string_view media_type, std::string body,
                  std::string_view digest);

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
                      std::string_view what);

}  // namespace xbuild::oci::detail
