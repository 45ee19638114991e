#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/tar_writer.hpp"
#include "test_support.hpp"

using namespace xbuild::oci;
using xbuild::Error;
using xbuild::Fd;
using xbuild::test::contains;
namespace fs = xbuild::fs;
namespace stdfs = std::filesystem;

TEST_SUITE("oci tar_writer") {
    TEST_CASE("ustar headers: the bytes of a one-file tar") {
        std::string tar;
        TarWriter writer([&](std::string_view bytes) { tar += bytes; }, 0, "test");
        writer.add_bytes("hello.txt", 0644, "hi\n");
        writer.finish();
        REQUIRE(tar.size() == 10240);
        CHECK(tar.substr(0, 10) == std::string("hello.txt\0", 10));
        CHECK(tar.substr(100, 8) == std::string("000644 \0", 8));       // mode
        CHECK(tar.substr(108, 8) == std::string("000000 \0", 8));       // uid
        CHECK(tar.substr(116, 8) == std::string("000000 \0", 8));       // gid
        CHECK(tar.substr(124, 12) == std::string("00000000003 ", 12));  // size
        CHECK(tar.substr(136, 12) == std::string("00000000000 ", 12));  // mtime
        CHECK(tar[156] == '0');                                         // regular file
        CHECK(tar.substr(257, 8) == std::string("ustar\0"
                                                "00",
                                                8));          // POSIX ustar
        CHECK(tar.substr(265, 32) == std::string(32, '\0'));  // no owner name
        CHECK(tar.substr(512, 3) == "hi\n");
        CHECK(tar.find_first_not_of('\0', 515) == std::string::npos);
    }

    TEST_CASE("add_file copies exactly the size given, or fails") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-tar-");
        fs::write_file_atomic(dir.path() / "f", "0123456789");
        std::string tar;
        {
            TarWriter writer([&](std::string_view bytes) { tar += bytes; }, 0, "test");
            Fd fd(::open((dir.path() / "f").c_str(), O_RDONLY));
            writer.add_file("f", 0644, 10, fd.get());
            writer.finish();
        }
        CHECK(tar.substr(512, 10) == "0123456789");
        TarWriter shorter([](std::string_view) {}, 0, "layer of /x");
        Fd fd(::open((dir.path() / "f").c_str(), O_RDONLY));
        CHECK_THROWS_WITH_AS(shorter.add_file("f", 0644, 11, fd.get()),
                             contains("layer of /x: 'f' became shorter while it was read"), Error);
        TarWriter longer([](std::string_view) {}, 0, "layer of /x");
        Fd again(::open((dir.path() / "f").c_str(), O_RDONLY));
        CHECK_THROWS_WITH_AS(longer.add_file("f", 0644, 9, again.get()),
                             contains("'f' grew while it was read"), Error);
    }

    TEST_CASE("an exception of the sink comes out of the call that wrote, not out of libarchive") {
        TarWriter writer([](std::string_view) { throw Error("disk full"); }, 0, "test");
        CHECK_THROWS_WITH_AS(
            {
                for (int i = 0; i < 100; ++i)
                    writer.add_bytes("f" + std::to_string(i), 0644, std::string(1000, 'x'));
                writer.finish();
            },
            "disk full", Error);
    }

    TEST_CASE("long names and link targets get pax headers, without a pid in their names") {
        std::string tar;
        TarWriter writer([&](std::string_view bytes) { tar += bytes; }, 0, "test");
        const std::string name(300, 'a');
        writer.add_symlink(name, std::string(200, 't'));
        writer.finish();
        CHECK(tar.find("PaxHeader/") != std::string::npos);
        CHECK(tar.find("PaxHeader.") == std::string::npos);
        CHECK(tar.find("path=" + name + "\n") != std::string::npos);
        CHECK(tar.find("linkpath=" + std::string(200, 't') + "\n") != std::string::npos);
        CHECK_THROWS_WITH_AS(writer.add_directory("late", 0755), contains("added after the end"), Error);
    }
}
