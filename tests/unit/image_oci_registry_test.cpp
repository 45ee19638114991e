// The push client against an in-process fake registry (an HTTP/1.1 server on 127.0.0.1 in a thread):
// uploads, Location forms, the Bearer token flow and error answers. Needs libcurl.so.4 (libcurl4).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"
#include "image/oci/image.hpp"
#include "image/oci/manifest.hpp"
#include "image/oci/registry.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::oci;
using test::contains;
namespace stdfs = std::filesystem;

namespace {

struct Request {
    std::string method, target, body;
    std::map<std::string, std::string> headers;  // names lower-case
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool drop = false;  // close the connection without an answer
};

// Answers each connection's one request with handler(request), then closes it.
class FakeServer {
  public:
    explicit FakeServer(std::function<Reply(const Request&)> handler) : m_handler(std::move(handler)) {
        m_listen = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        REQUIRE(::bind(m_listen.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(m_listen.get(), 16) == 0);
        REQUIRE(::getsockname(m_listen.get(), reinterpret_cast<sockaddr*>(&address), &size) == 0);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~FakeServer() {
        m_stop = true;
        m_thread.join();
    }
    int port() const { return m_port; }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    std::vector<Request> requests() const {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }

  private:
    void serve() {
        while (!m_stop) {
            pollfd ready{m_listen.get(), POLLIN, 0};
            if (::poll(&ready, 1, 50) <= 0) continue;
            Fd connection(::accept4(m_listen.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (connection) answer(connection.get());
        }
    }

    void answer(int fd) {
        std::string data;
        char buffer[65536];
        size_t header_end;
        while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
            ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0) return;
            data.append(buffer, static_cast<size_t>(n));
            if (data[0] == 0x16) return;  // a TLS handshake: this server speaks plain HTTP only
        }
        Request request;
        std::string head = data.substr(0, header_end);
        size_t line_end = head.find("\r\n");
        std::string request_line = head.substr(0, line_end);
        request.method = request_line.substr(0, request_line.find(' '));
        request.target = request_line.substr(request.method.size() + 1,
                                             request_line.rfind(' ') - request.method.size() - 1);
        for (size_t at = line_end; at != std::string::npos && at < head.size();) {
            size_t next = head.find("\r\n", at + 2);
            std::string line =
                head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
            size_t colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                request.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
            }
            at = next;
        }
        const size_t length =
            request.headers.count("content-length") ? std::stoul(request.headers["content-length"]) : 0;
        request.body = data.substr(header_end + 4);
        while (request.body.size() < length) {
            ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0) return;
            request.body.append(buffer, static_cast<size_t>(n));
        }
        Reply reply = m_handler(request);
        {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(request);
        }
        if (reply.drop) return;
        std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\nConnection: close\r\n";
        for (const auto& [name, value] : reply.headers) response += name + ": " + value + "\r\n";
        response += "Content-Length: " + std::to_string(request.method == "HEAD" ? 0 : reply.body.size()) +
                    "\r\n\r\n";
        if (request.method != "HEAD") response += reply.body;
        for (size_t sent = 0; sent < response.size();) {
            ssize_t n = ::write(fd, response.data() + sent, response.size() - sent);
            if (n <= 0) return;
            sent += static_cast<size_t>(n);
        }
    }

    std::function<Reply(const Request&)> m_handler;
    Fd m_listen;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::vector<Request> m_requests;
    std::thread m_thread;
};

// An in-memory registry for repository "app", with the behaviour the tests switch on.
struct FakeRegistry {
    std::string location_form = "relative";  // "relative", "absolute", "no-slash", "other-origin"
    std::string token;                       // when set, requests need "Bearer <token>"
    std::string credentials_header;          // when set, the token server needs this Authorization
    bool fail_blob_put = false;
    int drops = 0;         // the next requests of any kind get no answer (a dropped connection)
    int unavailable = 0;   // the next requests of any kind get 503
    int lost_uploads = 0;  // the next upload PUTs are stored, but answered 404 (a lost answer, retried)
    bool lie_about_manifest_digest = false;
    std::map<std::string, std::string> blobs, manifests;
    // Repository "src" (read by index create): documents by tag or digest, and blobs; "app" mounts
    // nothing from it (answers a mount with an ordinary upload).
    std::map<std::string, std::pair<std::string, std::string>> source_documents;  // name -> type, body
    std::map<std::string, std::string> source_blobs;
    std::mutex mutex;
    std::unique_ptr<FakeServer> server;
    std::unique_ptr<FakeServer> storage;  // another origin that takes uploads (as a storage backend would)

    FakeRegistry() {
        server = std::make_unique<FakeServer>([this](const Request& request) { return handle(request); });
        storage =
            std::make_unique<FakeServer>([this](const Request& request) { return store_upload(request); });
    }

    Reply store_upload(const Request& request) {
        std::lock_guard lock(mutex);
        const std::string digest = "sha256:" + request.target.substr(request.target.find("%3A") + 3);
        if (request.method != "PUT" || sha256_digest(request.body) != digest) return {400, {}, "bad upload"};
        blobs[digest] = request.body;
        return {201, {{"Docker-Content-Digest", digest}}, ""};
    }

    Reply handle(const Request& request) {
        std::lock_guard lock(mutex);
        const std::string& target = request.target;
        if (drops > 0 && target != "/v2/") {
            --drops;
            return {0, {}, "", true};
        }
        if (unavailable > 0 && target != "/v2/") {
            --unavailable;
            return {503, {}, R"({"errors":[{"code":"UNAVAILABLE","message":"try later"}]})"};
        }
        if (target.starts_with("/token")) {
            if (!credentials_header.empty() && request.header("authorization") != credentials_header)
                return {403, {}, R"({"errors":[{"code":"DENIED","message":"bad credentials"}]})"};
            return {200, {{"Content-Type", "application/json"}}, R"({"token":")" + token + R"("})"};
        }
        if (!token.empty() && request.header("authorization") != "Bearer " + token)
            return {
                401,
                {{"WWW-Authenticate", R"(Bearer realm=")" + server->origin() +
                                          R"(/token",service="fake registry",scope="repository:app:pull")"}},
                R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
        if (request.method == "GET" && target.starts_with("/v2/src/manifests/")) {
            auto found = source_documents.find(target.substr(18));
            if (found == source_documents.end())
                return {404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})"};
            return {200, {{"Content-Type", found->second.first}}, found->second.second};
        }
        if (request.method == "GET" && target.starts_with("/v2/src/blobs/")) {
            auto found = source_blobs.find(target.substr(14));
            if (found == source_blobs.end()) return {404, {}, ""};
            return {200, {}, found->second};
        }
        if (request.method == "POST" && target.starts_with("/v2/app/blobs/uploads/?mount=sha256%3A") &&
            target.ends_with("&from=src"))
            return {202, {{"Location", "/v2/app/blobs/uploads/u1?state=s1"}}, ""};
        const std::string blob_prefix = "/v2/app/blobs/sha256:";
        if (request.method == "HEAD" && target.starts_with(blob_prefix))
            return {blobs.count(target.substr(14)) ? 200 : 404, {}, ""};
        if (request.method == "POST" && target == "/v2/app/blobs/uploads/") {
            std::string location = "/v2/app/blobs/uploads/u1?state=s1";
            if (location_form == "absolute") location = server->origin() + location;
            if (location_form == "other-origin") location = storage->origin() + "/upload/u1?state=s1";
            if (location_form == "no-slash") location = "u1?state=s1";
            return {202, {{"Location", location}}, ""};
        }
        if (request.method == "PUT" &&
            target.starts_with("/v2/app/blobs/uploads/u1?state=s1&digest=sha256%3A")) {
            if (fail_blob_put)
                return {500, {}, R"({"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"boom"}]})"};
            const std::string digest = "sha256:" + target.substr(target.find("%3A") + 3);
            if (sha256_digest(request.body) != digest) return {400, {}, "DIGEST_INVALID\nsecond line"};
            blobs[digest] = request.body;
            if (lost_uploads > 0) {
                --lost_uploads;
                return {404, {}, R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]})"};
            }
            return {201, {{"Docker-Content-Digest", digest}}, ""};
        }
        if (request.method == "PUT" && target.starts_with("/v2/app/manifests/")) {
            manifests[target.substr(18)] = request.header("content-type") + " " + request.body;
            const std::string digest =
                lie_about_manifest_digest ? "sha256:" + std::string(64, '0') : sha256_digest(request.body);
            return {201, {{"Docker-Content-Digest", digest}}, ""};
        }
        return {404, {}, "not found: " + request.method + " " + target};
    }

    std::string reference() const { return "127.0.0.1:" + std::to_string(server->port()) + "/app:1"; }
};

struct Image {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-oci-registry-"};
    BlobStore store{dir.path()};
    Descriptor amd64, arm64, index;
    Image() {
        ImageConfig config;
        config.platform = Platform{"linux", "amd64", ""};
        const Descriptor shared = store.put(media_type::layer_tar_gzip, std::string(300000, 's'));
        config.diff_ids = {sha256_digest("s")};
        amd64 = put_image(store, config, {shared});
        config.platform = Platform{"linux", "arm64", "v8"};
        arm64 = put_image(store, config, {shared});
        index = put_index(store, {amd64, arm64});
    }
};

int count(const std::vector<Request>& requests, const std::string& method) {
    return static_cast<int>(std::count_if(requests.begin(), requests.end(),
                                          [&](const Request& r) { return r.method == method; }));
}

const Reporter k_quiet(Verbosity::quiet);

}  // namespace

TEST_SUITE("oci registry") {
    TEST_CASE("push uploads blobs, child manifests by digest, then the root under the tag") {
        Image image;
        FakeRegistry registry;
        CHECK(push(image.store, image.index, registry.reference(), {}, k_quiet) == image.index.digest);
        CHECK(registry.blobs.size() == 3);  // the shared layer and two configs
        for (const auto& [digest, bytes] : registry.blobs) CHECK(bytes == image.store.read(digest));
        REQUIRE(registry.manifests.size() == 3);
        CHECK(registry.manifests.at(image.amd64.digest) ==
              std::string(media_type::image_manifest) + " " + image.store.read(image.amd64.digest));
        CHECK(registry.manifests.at("1") ==
              std::string(media_type::image_index) + " " + image.store.read(image.index.digest));
        const std::vector<Request> requests = registry.server->requests();
        CHECK(requests.back().target == "/v2/app/manifests/1");
        CHECK(count(requests, "POST") == 3);
        for (const Request& request : requests) {
            CHECK(request.header("authorization").empty());
            CHECK(request.header("user-agent").starts_with("xbuild/"));
        }

        // Everything is there now: the second push only asks.
        const size_t before = requests.size();
        push(image.store, image.index, registry.reference(), {}, k_quiet);
        const std::vector<Request> all = registry.server->requests();
        const std::vector<Request> again(all.begin() + static_cast<long>(before), all.end());
        CHECK(count(again, "POST") == 0);
        CHECK(count(again, "HEAD") == 3);
    }

    TEST_CASE("upload Locations: absolute, and relative to the request without a leading slash") {
        for (const char* form : {"absolute", "no-slash"}) {
            CAPTURE(form);
            Image image;
            FakeRegistry registry;
            registry.location_form = form;
            push(image.store, image.amd64, registry.reference(), {}, k_quiet);
            CHECK(registry.blobs.size() == 2);
            CHECK(registry.manifests.count("1") == 1);
        }
    }

    TEST_CASE("the Bearer token flow, with credentials for the token server") {
        Image image;
        FakeRegistry registry;
        registry.token = "tok-123";
        registry.credentials_header = "Basic YWxpY2U6c2VjcmV0";  // alice:secret
        PushOptions options;
        options.credentials = "alice:secret";
        push(image.store, image.amd64, registry.reference(), options, k_quiet);
        CHECK(registry.manifests.count("1") == 1);
        const std::vector<Request> requests = registry.server->requests();
        std::vector<std::string> token_requests;
        for (const Request& request : requests)
            if (request.target.starts_with("/token")) token_requests.push_back(request.target);
        REQUIRE(token_requests.size() == 1);  // one token serves the whole push
        CHECK(token_requests[0] ==
              "/token?service=fake%20registry&scope=repository%3Aapp%3Apull&scope=repository%3Aapp%3Apull%"
              "2Cpush");
        CHECK(requests.front().header("authorization").empty());  // anonymous first

        options.credentials = "alice:wrong";
        registry.manifests.clear();
        CHECK_THROWS_WITH_AS(push(image.store, image.amd64, registry.reference(), options, k_quiet),
                             contains("getting a token from " + registry.server->origin() +
                                      ": HTTP 403: DENIED: bad credentials"),
                             Error);
        CHECK(registry.manifests.empty());
    }

    TEST_CASE("credentials go to the registry only, not to an upload URL of another origin") {
        Image image;
        FakeRegistry registry;
        registry.token = "tok-123";
        registry.location_form = "other-origin";
        push(image.store, image.amd64, registry.reference(), {}, k_quiet);
        CHECK(registry.blobs.size() == 2);
        const std::vector<Request> uploads = registry.storage->requests();
        REQUIRE(uploads.size() == 2);
        for (const Request& upload : uploads) CHECK(upload.header("authorization").empty());
        CHECK(registry.server->requests().back().header("authorization") == "Bearer tok-123");
    }

    TEST_CASE("errors name the step, the registry and repository, and the registry's message") {
        Image image;
        FakeRegistry registry;
        registry.fail_blob_put = true;
        const std::string target = "127.0.0.1:" + std::to_string(registry.server->port()) + "/app";
        CHECK_THROWS_WITH_AS(push(image.store, image.amd64, registry.reference(), {}, k_quiet),
                             contains("… to " + target + ": HTTP 500: BLOB_UPLOAD_INVALID: boom"), Error);
        registry.fail_blob_put = false;
        registry.lie_about_manifest_digest = true;
        CHECK_THROWS_WITH_AS(
            push(image.store, image.amd64, registry.reference(), {}, k_quiet),
            contains("pushing manifest 1 to " + target + ": the registry stored it as sha256:000"), Error);
        CHECK_THROWS_WITH_AS(
            push(image.store, image.amd64,
                 "127.0.0.1:" + std::to_string(registry.server->port()) + "/other:1", {}, k_quiet),
            contains("pushing blob sha256:"), Error);
        CHECK_THROWS_WITH_AS(
            push(image.store, image.amd64, "127.0.0.1:5000/app@" + image.amd64.digest, {}, k_quiet),
            contains("a push needs a tag, not a digest"), Error);
        CHECK_THROWS_WITH_AS(push(image.store, image.amd64, "127.0.0.1:5000/App", {}, k_quiet),
                             contains("invalid image reference '127.0.0.1:5000/App'"), Error);
    }

    TEST_CASE("a registry that is not there") {
        Image image;
        int port;
        {
            FakeRegistry gone;
            port = gone.server->port();
        }
        CHECK_THROWS_WITH_AS(
            push(image.store, image.amd64, "127.0.0.1:" + std::to_string(port) + "/app:1", {}, k_quiet),
            contains("to 127.0.0.1:" + std::to_string(port) + "/app: HEAD http://127.0.0.1:"), Error);
    }

    TEST_CASE("index create: sources' platforms merged, their SBOMs kept with them, duplicates refused") {
        Image image;
        const Descriptor sbom{std::string(media_type::image_manifest),
                              sha256_digest("sbom"),
                              4,
                              Platform{"unknown", "unknown", ""},
                              {{"vnd.docker.reference.digest", image.arm64.digest}},
                              "application/spdx+json"};
        const Descriptor stray{sbom.media_type,
                               sha256_digest("stray"),
                               5,
                               sbom.platform,
                               {{"vnd.docker.reference.digest", sha256_digest("gone")}},
                               sbom.artifact_type};
        const auto merged = merge_index_entries({{"a", {image.amd64}}, {"b", {image.arm64, sbom, stray}}});
        REQUIRE(merged.size() == 3);
        CHECK(merged[0] == image.amd64);
        CHECK(merged[1] == image.arm64);
        CHECK(merged[2] == sbom);  // the stray attestation's manifest is not in the index: dropped
        CHECK_THROWS_WITH_AS(merge_index_entries({{"a", {image.amd64}}, {"b", {image.arm64, image.amd64}}}),
                             "b: linux/amd64 is in a already", Error);
        CHECK_THROWS_WITH_AS(merge_index_entries({{"a", {sbom}}}), contains("no image manifest in a"), Error);
    }

    TEST_CASE(
        "index create from another repository: what the registry does not mount is read, verified "
        "and uploaded") {
        Image image;
        FakeRegistry registry;
        const std::string index_body = image.store.read(image.index.digest);
        registry.source_documents["1"] = {std::string(media_type::image_index), index_body};
        for (const Descriptor& manifest : {image.amd64, image.arm64}) {
            registry.source_documents[manifest.digest] = {manifest.media_type,
                                                          image.store.read(manifest.digest)};
            const Manifest parsed = parse_manifest(image.store.read(manifest.digest), "test");
            registry.source_blobs[parsed.config.digest] = image.store.read(parsed.config.digest);
            for (const Descriptor& layer : parsed.layers)
                registry.source_blobs[layer.digest] = image.store.read(layer.digest);
        }
        const std::string host = "127.0.0.1:" + std::to_string(registry.server->port());
        const std::string digest = create_index(host + "/app:merged", {host + "/src:1"}, {}, k_quiet);
        CHECK(registry.blobs.size() == registry.source_blobs.size());  // two configs, one shared layer
        for (const auto& [blob, bytes] : registry.source_blobs) CHECK(registry.blobs[blob] == bytes);
        CHECK(registry.manifests.count(image.amd64.digest) == 1);
        CHECK(registry.manifests.count(image.arm64.digest) == 1);
        REQUIRE(registry.manifests.count("merged") == 1);
        CHECK(sha256_digest(
                  registry.manifests["merged"].substr(registry.manifests["merged"].find(' ') + 1)) == digest);
        CHECK(digest == image.index.digest);  // the same entries, the same canonical index

        // A document that does not hash to the digest it was asked by is refused.
        registry.source_documents[image.arm64.digest].second += " ";
        registry.manifests.clear();
        CHECK_THROWS_WITH_AS(create_index(host + "/app:merged", {host + "/src:1"}, {}, k_quiet),
                             contains("the registry served content of digest"), Error);
        CHECK(registry.manifests.count("merged") == 0);
        CHECK_THROWS_WITH_AS(create_index(host + "/app:merged", {host + "/src:2"}, {}, k_quiet),
                             contains("reading " + host + "/src:2 for " + host + "/app: HTTP 404"), Error);
    }

    TEST_CASE("dropped connections, 503s and a lost upload answer are retried; the push completes") {
        Image image;
        FakeRegistry registry;
        registry.drops = 2;
        registry.unavailable = 2;
        registry.lost_uploads = 1;
        CHECK(push(image.store, image.index, registry.reference(), {}, k_quiet) == image.index.digest);
        CHECK(registry.blobs.size() == 3);
        for (const auto& [digest, bytes] : registry.blobs) CHECK(bytes == image.store.read(digest));
        CHECK(registry.manifests.count("1") == 1);
        // A registry that keeps failing: the last answer is the error, after 5 attempts.
        registry.unavailable = 100;
        registry.manifests.clear();
        CHECK_THROWS_WITH_AS(push(image.store, image.index, registry.reference(), {}, k_quiet),
                             contains(": HTTP 503"), Error);
        CHECK(registry.unavailable == 95);
    }
}
