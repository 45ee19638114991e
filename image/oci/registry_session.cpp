#include "image/oci/registry_session.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "builder/core/duration.hpp"
#include "image/oci/manifest.hpp"

namespace xbuild::oci::detail {

std::string origin_of(std::string_view url) {
    size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    size_t end = url.find_first_of("/?#", scheme_end + 3);
    return std::string(url.substr(0, end));
}

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

void check_digest_header(Session& session, const HttpResponse& response, std::string_view digest,
                         std::string_view what) {
    const std::string answer = response.header("docker-content-digest");
    if (!answer.empty() && answer != digest)
        session.fail_with(what, "the registry stored it as {}", text::printable(answer.substr(0, 100)));
}

namespace {

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

}  // namespace

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

void put_manifest(Session& session, const std::string& name, std::string_view media_type, std::string body,
                  std::string_view digest) {
    const std::string what = fmt::format("pushing manifest {}", name == digest ? short_digest(name) : name);
    HttpRequest put{"PUT", session.url("/manifests/" + name), {"Content-Type: " + std::string(media_type)}};
    put.body = std::move(body);
    HttpResponse stored = session.send(put, what);
    if (stored.status != 201) session.refuse(what, stored);
    check_digest_header(session, stored, digest, what);
}

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

}  // namespace xbuild::oci::detail
