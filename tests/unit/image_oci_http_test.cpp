#include <doctest/doctest.h>

#include <string>

#include "builder/core/error.hpp"
#include "image/oci/http.hpp"

using namespace xbuild;

TEST_SUITE("http") {
    TEST_CASE("an option libcurl refuses is an error naming it, not a request sent without it") {
        // libcurl refuses a URL longer than 8 MB (CURL_MAX_INPUT_LENGTH) in curl_easy_setopt; the request
        // must not be sent (before, it failed later as "No URL set!", naming nothing).
        oci::HttpClient client;
        oci::HttpRequest request;
        request.url = "http://127.0.0.1:9/" + std::string(9 << 20, 'a');
        CHECK_THROWS_WITH_AS(client.send(request), doctest::Contains("libcurl refused CURLOPT_URL"), Error);
        try {
            client.send(request);
        } catch (const Error& error) {
            CHECK(std::string(error.what()).size() < 500);  // the URL is cut in the message
        }
        request.method = "DELETE";
        request.url = "http://127.0.0.1:9/";
        CHECK_THROWS_WITH_AS(client.send(request),
                             doctest::Contains("DELETE http://127.0.0.1:9/: unsupported HTTP method"), Error);
    }
}
