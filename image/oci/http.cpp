#include "image/oci/http.hpp"

#include <curl/curl.h>
#include <dlfcn.h>
#include <fcntl.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/text.hpp"

namespace xbuild::oci {

namespace {

// The handful of libcurl functions the client uses, looked up in the library loaded with dlopen. The
// library stays loaded for the life of the process (one instance, made on first use).
class LibCurl {
  public:
    static const LibCurl& get() {
        static const LibCurl instance;  // a throwing constructor is retried by the next call
        return instance;
    }
    LibCurl(const LibCurl&) = delete;
    LibCurl& operator=(const LibCurl&) = delete;
    ~LibCurl() {
        global_cleanup();
        ::dlclose(m_library);
    }

    decltype(&curl_global_init) global_init;
    decltype(&curl_global_cleanup) global_cleanup;
    decltype(&curl_easy_init) easy_init;
    decltype(&curl_easy_cleanup) easy_cleanup;
    decltype(&curl_easy_reset) easy_reset;
    decltype(&curl_easy_setopt) easy_setopt;
    decltype(&curl_easy_perform) easy_perform;
    decltype(&curl_easy_getinfo) easy_getinfo;
    decltype(&curl_easy_strerror) easy_strerror;
    decltype(&curl_slist_append) slist_append;
    decltype(&curl_slist_free_all) slist_free_all;

  private:
    LibCurl() : m_library(::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) {
        if (!m_library) {
            const char* why = ::dlerror();
            fail(
                "talking to a registry or a mirror needs libcurl, which could not be loaded ({}): install "
                "libcurl4",
                why ? why : "libcurl.so.4 not found");
        }
        std::unique_ptr<void, int (*)(void*)> guard(m_library, ::dlclose);
        lookup(global_init, "curl_global_init");
        lookup(global_cleanup, "curl_global_cleanup");
        lookup(easy_init, "curl_easy_init");
        lookup(easy_cleanup, "curl_easy_cleanup");
        lookup(easy_reset, "curl_easy_reset");
        lookup(easy_setopt, "curl_easy_setopt");
        lookup(easy_perform, "curl_easy_perform");
        lookup(easy_getinfo, "curl_easy_getinfo");
        lookup(easy_strerror, "curl_easy_strerror");
        lookup(slist_append, "curl_slist_append");
        lookup(slist_free_all, "curl_slist_free_all");
        if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail("libcurl.so.4: curl_global_init failed");
        guard.release();
    }

    template <class Function>
    void lookup(Function& function, const char* name) {
        function = reinterpret_cast<Function>(::dlsym(m_library, name));
        if (!function) fail("libcurl.so.4 has no {}: not the libcurl that libcurl4 installs", name);
    }

    void* m_library;
};

// The request's state shared with libcurl's callbacks.
struct Transfer {
    const HttpRequest& request;
    HttpResponse& response;
    int body_fd = -1;
    std::string_view body;
    std::uint64_t body_left = 0;  // of body_fd
    int read_errno = 0;
    long status = 0;         // of the response being received (from its status line)
    std::string sink_error;  // what body_sink threw: the transfer is aborted
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    std::string& body = transfer->response.body;
    const size_t bytes = size * count;
    if (transfer->request.body_sink && transfer->status >= 200 && transfer->status < 300) {
        try {
            transfer->request.body_sink(std::string_view(data, bytes));
        } catch (const std::exception& error) {
            transfer->sink_error = error.what();
            return 0;  // aborts the transfer
        }
        return bytes;
    }
    const size_t keep =
        std::min(bytes, transfer->request.max_body - std::min(transfer->request.max_body, body.size()));
    body.append(data, keep);
    return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
        transfer->response.headers.clear();  // a new response (after a redirect or a 100 Continue)
        const size_t space = line.find(' ');
        transfer->status =
            space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
        transfer->response.headers.emplace_back(text::lower(text::trim(line.substr(0, colon))),
                                                std::string(text::trim(line.substr(colon + 1))));
    }
    return size * count;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t capacity = size * count;
    if (transfer->body_fd < 0) {
        const size_t n = std::min(capacity, transfer->body.size());
        std::copy_n(transfer->body.data(), n, buffer);
        transfer->body.remove_prefix(n);
        return n;
    }
    for (;;) {
        const size_t want = static_cast<size_t>(std::min<std::uint64_t>(capacity, transfer->body_left));
        if (want == 0) return 0;
        ssize_t n = ::read(transfer->body_fd, buffer, want);
        if (n >= 0) {
            transfer->body_left -= static_cast<std::uint64_t>(n);
            return static_cast<size_t>(n);
        }
        if (errno == EINTR) continue;
        transfer->read_errno = errno;
        return CURL_READFUNC_ABORT;
    }
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    const std::string key = text::lower(name);
    for (const auto& [field, value] : headers)
        if (field == key) return value;
    return {};
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const {
    const std::string key = text::lower(name);
    std::vector<std::string> values;
    for (const auto& [field, value] : headers)
        if (field == key) values.push_back(value);
    return values;
}

HttpClient::HttpClient() {
    m_handle = LibCurl::get().easy_init();
    if (!m_handle) fail("libcurl: curl_easy_init failed");
}

HttpClient::~HttpClient() {
    if (m_handle) LibCurl::get().easy_cleanup(static_cast<CURL*>(m_handle));
}

HttpResponse HttpClient::send(const HttpRequest& request) {
    m_untrusted = false;
    const LibCurl& curl = LibCurl::get();
    CURL* handle = static_cast<CURL*>(m_handle);
    // At most 300 bytes of the URL in messages (a URL is not a place for megabytes, but may hold them).
    const std::string_view shown = std::string_view(request.url).substr(0, 300);
    const std::string what =
        request.method + " " + text::printable(shown) + (shown.size() < request.url.size() ? "..." : "");
    HttpResponse response;
    Transfer transfer{request, response, -1, request.body};
    Fd body_fd;
    curl_off_t upload_size = static_cast<curl_off_t>(request.body.size());
    if (!request.body_file.empty()) {
        body_fd = Fd(::open(request.body_file.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat st;
        if (!body_fd || ::fstat(body_fd.get(), &st) != 0)
            fail("{}: cannot read {}: {}", what, request.body_file.string(), errno_text(errno));
        const auto file_size = static_cast<std::uint64_t>(st.st_size);
        const std::uint64_t offset = std::min(request.body_offset, file_size);
        if (offset > 0 && ::lseek(body_fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0)
            fail("{}: cannot read {}: {}", what, request.body_file.string(), errno_text(errno));
        transfer.body_fd = body_fd.get();
        transfer.body_left = std::min(request.body_length, file_size - offset);
        upload_size = static_cast<curl_off_t>(transfer.body_left);
    }
    std::unique_ptr<curl_slist, decltype(curl.slist_free_all)> headers(nullptr, curl.slist_free_all);
    auto add_header = [&](const std::string& header) {
        curl_slist* list = curl.slist_append(headers.get(), header.c_str());
        if (!list) throw std::bad_alloc();
        headers.release();
        headers.reset(list);
    };
    for (const std::string& header : request.headers) add_header(header);
    add_header("Expect:");  // no 100-continue round trip before a blob upload

    char error_buffer[CURL_ERROR_SIZE] = {};
    curl.easy_reset(handle);
    // A refused option (an older libcurl, an argument it rejects) is an error naming it, never a
    // request sent without it.
    auto set = [&](CURLoption option, const char* name, auto value) {
        const CURLcode code = curl.easy_setopt(handle, option, value);
        if (code != CURLE_OK) fail("{}: libcurl refused {}: {}", what, name, curl.easy_strerror(code));
    };
    // http and https only, the redirects' too. The string options came with libcurl 7.85; an older
    // one (bullseye's 7.74, where xbuild's wheels run) knows the bitmask ones they replace. Both by
    // number: headers older than 7.85 lack the first, newer ones mark the second deprecated.
    auto set_protocols = [&](long string_option, long mask_option, const char* name) {
        if (curl.easy_setopt(handle, static_cast<CURLoption>(string_option), "http,https") == CURLE_OK)
            return;
        set(static_cast<CURLoption>(mask_option), name, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    };
    set(CURLOPT_URL, "CURLOPT_URL", request.url.c_str());
    // A private registry's CA (a self-signed certificate) instead of the system's store.
    if (const char* ca = std::getenv("XBUILD_REGISTRY_CA"); ca && *ca) {
        std::error_code error;
        if (!std::filesystem::is_regular_file(ca, error))
            fail("{}: XBUILD_REGISTRY_CA={}: not a file", what, text::printable(ca));
        set(CURLOPT_CAINFO, "CURLOPT_CAINFO", ca);
    }
    set_protocols(10318, 181, "CURLOPT_PROTOCOLS");  // CURLOPT_PROTOCOLS_STR, CURLOPT_PROTOCOLS
    set(CURLOPT_NOSIGNAL, "CURLOPT_NOSIGNAL", 1L);
    set(CURLOPT_ERRORBUFFER, "CURLOPT_ERRORBUFFER", error_buffer);
    set(CURLOPT_USERAGENT, "CURLOPT_USERAGENT", "xbuild/" XBUILD_VERSION);
    set(CURLOPT_CONNECTTIMEOUT, "CURLOPT_CONNECTTIMEOUT", 30L);
    set(CURLOPT_LOW_SPEED_LIMIT, "CURLOPT_LOW_SPEED_LIMIT", 1L);  // abort a transfer stalled for a minute
    set(CURLOPT_LOW_SPEED_TIME, "CURLOPT_LOW_SPEED_TIME", 60L);
    set(CURLOPT_HTTPHEADER, "CURLOPT_HTTPHEADER", headers.get());
    set(CURLOPT_WRITEFUNCTION, "CURLOPT_WRITEFUNCTION", on_body);
    set(CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA", &transfer);
    set(CURLOPT_HEADERFUNCTION, "CURLOPT_HEADERFUNCTION", on_header);
    set(CURLOPT_HEADERDATA, "CURLOPT_HEADERDATA", &transfer);
    if (request.method == "GET") {
        set(CURLOPT_HTTPGET, "CURLOPT_HTTPGET", 1L);
        if (request.follow_redirects) {
            set(CURLOPT_FOLLOWLOCATION, "CURLOPT_FOLLOWLOCATION", 1L);
            set(CURLOPT_MAXREDIRS, "CURLOPT_MAXREDIRS", 5L);
            set_protocols(10319, 182, "CURLOPT_REDIR_PROTOCOLS");  // ..._STR, CURLOPT_REDIR_PROTOCOLS
        }
    } else if (request.method == "HEAD") {
        set(CURLOPT_NOBODY, "CURLOPT_NOBODY", 1L);
    } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
        set(CURLOPT_UPLOAD, "CURLOPT_UPLOAD", 1L);
        set(CURLOPT_READFUNCTION, "CURLOPT_READFUNCTION", on_read);
        set(CURLOPT_READDATA, "CURLOPT_READDATA", &transfer);
        set(CURLOPT_INFILESIZE_LARGE, "CURLOPT_INFILESIZE_LARGE", upload_size);
        if (request.method != "PUT")
            set(CURLOPT_CUSTOMREQUEST, "CURLOPT_CUSTOMREQUEST", request.method.c_str());
    } else {
        fail("{}: unsupported HTTP method", what);
    }
    const CURLcode code = curl.easy_perform(handle);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);  // cannot fail: the buffer goes out of scope
    if (transfer.read_errno != 0)
        fail("{}: cannot read {}: {}", what, request.body_file.string(), errno_text(transfer.read_errno));
    if (!transfer.sink_error.empty()) fail("{}: {}", what, transfer.sink_error);
    m_untrusted = code == CURLE_PEER_FAILED_VERIFICATION;
    if (code != CURLE_OK)
        fail("{}: {}{}", what, error_buffer[0] ? text::printable(error_buffer) : curl.easy_strerror(code),
             m_untrusted ? " (a registry with a private CA: XBUILD_REGISTRY_CA=<its certificate file>)" : "");
    if (curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status) != CURLE_OK)
        fail("{}: libcurl gave no response code", what);
    return response;
}

}  // namespace xbuild::oci
