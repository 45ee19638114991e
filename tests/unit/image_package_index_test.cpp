// The Contents index scan on small indexes made here, and PackageIndex's download and cache against an
// HTTP server on 127.0.0.1 in a thread (needs libcurl.so.4). The download from the real Debian mirror
// runs only with XBUILD_TEST_NETWORK=1 and a mirror in the host's apt sources.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/stage/apt_sources.hpp"
#include "image/package_index.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
using xbuild::test::contains;
namespace stdfs = std::filesystem;

namespace {

using xbuild::test::sh;

using Strings = std::vector<std::string>;

// path.gz holding text (gzip -n: no name, no time).
stdfs::path gzip_file(const stdfs::path& path, const std::string& text) {
    fs::write_file_atomic(path, text);
    sh("gzip -n -f " + path.string());
    return path.string() + ".gz";
}

const std::string k_contents =
    "This file maps each file available in the Debian GNU/Linux system to\n"
    "the package from which it originates.\n"
    "\n"
    "FILE                                                    LOCATION\n"
    "usr/lib/x86_64-linux-gnu/libyaml-0.so.2                 libs/libyaml-0-2\n"
    "usr/lib/x86_64-linux-gnu/libyaml-0.so.2.0.9             libs/libyaml-0-2\n"
    "usr/share/doc/libyaml-dev/examples/libyaml-0.so.2       libdevel/libyaml-doc\n"
    "usr/lib/aarch64-linux-gnu/libyaml-0.so.2                libs/libyaml-0-2-cross\n"
    "usr/lib/x86_64-linux-gnu/sub/libyaml-0.so.2             libs/libyaml-plugin\n"
    "usr/lib/x86_64-linux-gnu/libfoo.so.1                    libdevel/libfoo-dev,libs/libfoo1\n"
    "lib/x86_64-linux-gnu/libfoo.so.1                        non-free/libs/libfoo1-legacy\r\n"
    "usr/lib64/libfoo.so.1                                   libs/libfoo1,libs/libfoo1\n"
    "usr/lib/libbar.so.3\tlibs/libbar3\n"
    "usr/lib/x86_64-linux-gnu/odd name/libbar.so.3           libs/odd\n"
    "usr/lib/x86_64-linux-gnu/libbad.so.1                    libs/Bad_Name,libs/,libs/good1\n"
    "usr/lib/x86_64-linux-gnu/libnolast.so.1                 libs/libnolast1";

}  // namespace

TEST_SUITE("runtime package index") {
    TEST_CASE("library directories are the loader's defaults for the architecture") {
        CHECK(library_dirs(arch_from_name("arm64")) == Strings{"lib/aarch64-linux-gnu",
                                                               "usr/lib/aarch64-linux-gnu", "lib", "usr/lib",
                                                               "lib64", "usr/lib64"});
        CHECK(library_dirs(arch_from_name("armhf")) ==
              Strings{"lib/arm-linux-gnueabihf", "usr/lib/arm-linux-gnueabihf", "lib", "usr/lib"});
    }

    TEST_CASE("a scan finds the packages shipping a soname in a library directory only") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-contents-test-");
        const stdfs::path gz = gzip_file(dir.path() / "Contents-amd64", k_contents);
        const Providers found = scan_contents(gz,
                                              {"libyaml-0.so.2", "libfoo.so.1", "libbar.so.3", "libbad.so.1",
                                               "libnolast.so.1", "libnone.so.9", "LOCATION"},
                                              arch_from_name("amd64"));
        // Not the doc directory, not another triplet, not a subdirectory; the section is dropped.
        CHECK(found.at("libyaml-0.so.2") == Strings{"libyaml-0-2"});
        // Several providers on one line and on several lines, sorted and unique; an area prefix.
        CHECK(found.at("libfoo.so.1") == Strings{"libfoo-dev", "libfoo1", "libfoo1-legacy"});
        // A tab separates too; a path with a space is one path (not in a library directory here).
        CHECK(found.at("libbar.so.3") == Strings{"libbar3"});
        // Entries that are not Debian package names are left out.
        CHECK(found.at("libbad.so.1") == Strings{"good1"});
        // The last line needs no newline.
        CHECK(found.at("libnolast.so.1") == Strings{"libnolast1"});
        // Every soname asked for is a key; the header is no package.
        CHECK(found.at("libnone.so.9").empty());
        CHECK(found.at("LOCATION").empty());
        CHECK(found.size() == 7);
        // The arm64 index lines count for arm64 only.
        CHECK(scan_contents(gz, {"libyaml-0.so.2"}, arch_from_name("arm64")).at("libyaml-0.so.2") ==
              Strings{"libyaml-0-2-cross"});
        CHECK(scan_contents(gz, {}, arch_from_name("amd64")).empty());
    }

    TEST_CASE("lines longer than a read chunk and many lines scan the same") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-contents-test-");
        std::string text;
        for (int i = 0; i < 20000; ++i)
            text += "usr/share/doc/pkg" + std::to_string(i) + "/changelog.gz   doc/pkg\n";
        text += "usr/lib/" + std::string(100000, 'x') + "/libz.so.1   libs/long\n";
        text += "usr/lib/x86_64-linux-gnu/libz.so.1   libs/zlib1g\n";
        const stdfs::path gz = gzip_file(dir.path() / "big", text);
        CHECK(scan_contents(gz, {"libz.so.1"}, arch_from_name("amd64")).at("libz.so.1") == Strings{"zlib1g"});
    }

    TEST_CASE("a file that is not gzip, or a truncated one, is an error naming it") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-contents-test-");
        const stdfs::path plain = dir.path() / "plain.gz";
        fs::write_file_atomic(plain, "usr/lib/libz.so.1 libs/zlib1g\n");
        CHECK_THROWS_WITH_AS(scan_contents(plain, {"libz.so.1"}, arch_from_name("amd64")),
                             contains(plain.string() + ": not a gzip-compressed Contents index"), Error);
        const stdfs::path gz = gzip_file(dir.path() / "cut", k_contents + k_contents + k_contents);
        const std::string bytes = fs::read_file(gz);
        fs::write_file_atomic(gz, bytes.substr(0, bytes.size() / 2));
        CHECK_THROWS_WITH_AS(scan_contents(gz, {"libz.so.1"}, arch_from_name("amd64")),
                             contains(gz.string() + ": "), Error);
        const stdfs::path empty = dir.path() / "empty.gz";
        fs::write_file_atomic(empty, "");
        CHECK_THROWS_WITH_AS(scan_contents(empty, {}, arch_from_name("amd64")), contains(empty.string()),
                             Error);
        CHECK_THROWS_WITH_AS(scan_contents(dir.path() / "absent.gz", {}, arch_from_name("amd64")),
                             contains("absent.gz"), Error);
    }

    TEST_CASE("the URL and cache name; a bad mirror or suite is refused") {
        const Arch& arm64 = arch_from_name("arm64");
        PackageIndex index("/cache", "http://deb.example/debian/", "trixie", arm64);
        CHECK(index.url() == "http://deb.example/debian/dists/trixie/main/Contents-arm64.gz");
        CHECK(index.cache_path().parent_path() == "/cache");
        CHECK(index.cache_path().filename().string().starts_with("Contents-trixie-arm64-"));
        // Another mirror, another cache file.
        CHECK(PackageIndex("/cache", "https://other.example/debian", "trixie", arm64).cache_path() !=
              index.cache_path());
        CHECK_THROWS_WITH_AS(
            PackageIndex("/cache", "ftp://deb.example", "trixie", arm64),
            contains("the Debian mirror 'ftp://deb.example' is not an http:// or https:// URL"), Error);
        CHECK_THROWS_WITH_AS(PackageIndex("/cache", "http://a b", "trixie", arm64), contains("not an http"),
                             Error);
        CHECK_THROWS_WITH_AS(PackageIndex("/cache", "http://deb.example", "../../etc", arm64),
                             contains("the suite '../../etc' is not a Debian suite name"), Error);
        CHECK_THROWS_AS(PackageIndex("/cache", "http://deb.example", "", arm64), Error);
    }

    TEST_CASE("a cached index is used without the network") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-contents-test-");
        // Port 1 on the loopback: nothing answers there, so a download would fail.
        PackageIndex index(dir.path() / "cache", "http://127.0.0.1:1/debian", "trixie",
                           arch_from_name("amd64"));
        fs::make_dirs(dir.path() / "cache");
        stdfs::copy_file(gzip_file(dir.path() / "c", k_contents), index.cache_path());
        CHECK(index.providers("libyaml-0.so.2") == Strings{"libyaml-0-2"});
        CHECK(index.providers("libnone.so.1").empty());
        CHECK(index.providers(Strings{}).empty());
        // A corrupt cached index is an error, and removed so that the next run downloads a new one.
        fs::write_file_atomic(index.cache_path(), "garbage");
        CHECK_THROWS_WITH_AS(index.providers("libyaml-0.so.2"),
                             contains("the cached index was removed; the next run downloads it again"),
                             Error);
        CHECK_FALSE(stdfs::exists(index.cache_path()));
    }

    TEST_CASE("an unreachable mirror is an error saying what could not be downloaded") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-contents-test-");
        PackageIndex index(dir.path() / "cache", "http://127.0.0.1:1/debian", "trixie",
                           arch_from_name("amd64"));
        CHECK_THROWS_WITH_AS(index.providers("libyaml-0.so.2"),
                             contains("cannot download the Debian Contents index: GET "
                                      "http://127.0.0.1:1/debian/dists/trixie/main/Contents-amd64.gz: "),
                             Error);
        CHECK_FALSE(stdfs::exists(index.cache_path()));
    }

    TEST_CASE("download from a mirror: 404 and a body that is not gzip are errors; a good index is cached") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-contents-test-");
        const std::string good = fs::read_file(gzip_file(dir.path() / "c", k_contents));
        // path -> (status, body) answered by a server on 127.0.0.1.
        std::map<std::string, std::pair<int, std::string>> routes{
            {"/good/dists/trixie/main/Contents-amd64.gz", {200, good}},
            {"/html/dists/trixie/main/Contents-amd64.gz", {200, "<html>captive portal</html>"}}};
        std::atomic<int> requests{0};
        Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener.get(), 8) == 0);
        REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &size) == 0);
        const std::string origin = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
        std::atomic<bool> stop{false};
        std::thread server([&] {
            while (!stop) {
                pollfd ready{listener.get(), POLLIN, 0};
                if (::poll(&ready, 1, 50) <= 0) continue;
                Fd connection(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
                std::string request;
                char buffer[4096];
                while (connection && request.find("\r\n\r\n") == std::string::npos) {
                    ssize_t n = ::read(connection.get(), buffer, sizeof buffer);
                    if (n <= 0) break;
                    request.append(buffer, static_cast<size_t>(n));
                }
                ++requests;
                const std::string path = request.substr(4, request.find(' ', 4) - 4);
                auto route = routes.find(path);
                auto [status, body] =
                    route == routes.end() ? std::pair<int, std::string>{404, "no"} : route->second;
                std::string reply =
                    "HTTP/1.1 " + std::to_string(status) +
                    " X\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                    body;
                for (size_t sent = 0; connection && sent < reply.size();) {
                    ssize_t n = ::write(connection.get(), reply.data() + sent, reply.size() - sent);
                    if (n <= 0) break;
                    sent += static_cast<size_t>(n);
                }
            }
        });
        struct Join {
            std::atomic<bool>& stop;
            std::thread& thread;
            ~Join() {
                stop = true;
                thread.join();
            }
        } join{stop, server};

        const stdfs::path cache = dir.path() / "cache";
        PackageIndex missing(cache, origin + "/missing", "trixie", arch_from_name("amd64"));
        CHECK_THROWS_WITH_AS(missing.providers("libyaml-0.so.2"),
                             contains("cannot download the Debian Contents index " + origin +
                                      "/missing/dists/trixie/main/Contents-amd64.gz: HTTP status 404"),
                             Error);
        PackageIndex html(cache, origin + "/html", "trixie", arch_from_name("amd64"));
        CHECK_THROWS_WITH_AS(html.providers("libyaml-0.so.2"),
                             contains("the Debian Contents index downloaded from " + origin +
                                      "/html/dists/trixie/main/Contents-amd64.gz is unusable"),
                             Error);
        CHECK_FALSE(stdfs::exists(html.cache_path()));
        PackageIndex index(cache, origin + "/good", "trixie", arch_from_name("amd64"));
        const int before = requests;
        const Providers found = index.providers(Strings{"libyaml-0.so.2", "libfoo.so.1"});
        CHECK(found.at("libyaml-0.so.2") == Strings{"libyaml-0-2"});
        CHECK(found.at("libfoo.so.1") == Strings{"libfoo-dev", "libfoo1", "libfoo1-legacy"});
        CHECK(fs::read_file(index.cache_path()) == good);
        CHECK(requests == before + 1);
        // The cached file serves the next calls: no more requests, no temporary files left.
        CHECK(index.providers("libbar.so.3") == Strings{"libbar3"});
        CHECK(requests == before + 1);
        // contents_file() downloads and checks the index without a scan for sonames.
        PackageIndex fresh(dir.path() / "cache2", origin + "/good", "trixie", arch_from_name("amd64"));
        CHECK(fresh.contents_file() == fresh.cache_path());
        CHECK(fs::read_file(fresh.cache_path()) == good);
        CHECK(requests == before + 2);
        int entries = 0;
        for ([[maybe_unused]] const auto& entry : stdfs::directory_iterator(cache)) ++entries;
        CHECK(entries == 1);
    }

    TEST_CASE("the real Debian mirror (XBUILD_TEST_NETWORK=1 only)") {
        const char* network = std::getenv("XBUILD_TEST_NETWORK");
        if (!network || std::string(network) != "1") return;
        std::string mirror;
        try {
            mirror = stage::host_mirror();
        } catch (const Error& e) {
            MESSAGE("no Debian mirror in /etc/apt: skipped (" << e.what() << ")");
            return;
        }
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-contents-net-");
        PackageIndex index(dir.path(), mirror, "trixie", arch_from_name("arm64"));
        const auto start = std::chrono::steady_clock::now();
        const Providers found = index.providers(Strings{"libyaml-0.so.2", "libz.so.1", "libnothing.so.0"});
        MESSAGE("downloaded and scanned "
                << index.url() << " in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
        CHECK(found.at("libyaml-0.so.2") == Strings{"libyaml-0-2"});
        CHECK(found.at("libz.so.1") == Strings{"zlib1g"});
        CHECK(found.at("libnothing.so.0").empty());
    }
}
