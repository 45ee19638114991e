#pragma once
// HTTP requests for the registry client, through libcurl loaded with dlopen("libcurl.so.4") at first use.
// The xbuild binary is linked to load only libc at start-up (it is exec'd for every sandbox entry, see the
// top-level CMakeLists.txt), so libcurl and the TLS libraries it needs are loaded only by a process that
// talks to a registry. <curl/curl.h> is included for types and constants only; nothing links -lcurl.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xbuild::oci {

struct HttpRequest {
    std::string method = "GET";        // GET, HEAD, POST, PUT or PATCH
    std::string url;                   // http:// or https://
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // sent for POST, PUT and PATCH unless body_file is set
    std::filesystem::path body_file;   // streamed as the body (a blob of any size)
    // The part of body_file sent: from body_offset, body_length bytes (the rest of the file when
    // larger than what is left): one chunk of a chunked upload.
    std::uint64_t body_offset = 0;
    std::uint64_t body_length = UINT64_MAX;
    bool follow_redirects = false;   // for GET: follow 3xx (token servers, blob storage)
    std::size_t max_body = 1 << 20;  // response bytes kept; the rest is read and dropped
    // When set, the body of a 2xx answer goes here as it arrives (a blob of any size) instead of
    // into HttpResponse::body; an error answer's body is still kept there for its message.
    std::function<void(std::string_view)> body_sink;
};

struct HttpResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // of the last response; names lower-case
    std::string body;                                          // at most HttpRequest::max_body bytes

    // The first value of the header (name in any case), "" when absent.
    std::string header(std::string_view name) const;
    // Every value of the header, in order.
    std::vector<std::string> header_values(std::string_view name) const;
};

// One libcurl easy handle (connections are reused between requests). Move-only.
class HttpClient {
  public:
    // Loads libcurl on first use; throws Error saying to install libcurl4 when it is missing.
    HttpClient();
    HttpClient(HttpClient&& other) noexcept
        : m_handle(std::exchange(other.m_handle, nullptr)), m_untrusted(other.m_untrusted) {}
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    HttpClient& operator=(HttpClient&&) = delete;
    ~HttpClient();

    // Sends the request and returns the response, whatever its status. Throws Error "<METHOD> <url>: <why>"
    // when there is no response (connection refused, TLS failure, timeout, unreadable body_file).
    HttpResponse send(const HttpRequest& request);
    // True when the last send() failed because the server's certificate was not trusted (the server
    // speaks TLS; the error message says to set XBUILD_REGISTRY_CA).
    bool last_failure_untrusted() const { return m_untrusted; }

  private:
    void* m_handle = nullptr;  // CURL*
    bool m_untrusted = false;
};

}  // namespace xbuild::oci
