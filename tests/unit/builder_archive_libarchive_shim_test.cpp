#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "builder/archive/zip_file.hpp"
#include "builder/elf/elf_file.hpp"

using namespace xbuild::archive;

namespace {

// The message libarchive's writer leaves for an entry it can not hold (our shim writes it).
std::string refusal(int (*set_format)(::archive*), const char* path, unsigned type, unsigned perm = 0644) {
    std::string sink;  // before the writer: freeing the writer flushes into it
    WriteArchive writer(archive_write_new());
    REQUIRE(set_format(writer.get()) == ARCHIVE_OK);
    auto append = [](::archive*, void* out, const void* buffer, size_t size) -> la_ssize_t {
        static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), size);
        return static_cast<la_ssize_t>(size);
    };
    REQUIRE(archive_write_open(writer.get(), &sink, nullptr, append, nullptr) == ARCHIVE_OK);
    ArchiveEntry entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), path);
    archive_entry_set_mode(entry.get(), type | perm);
    CHECK(archive_write_header(writer.get(), entry.get()) == ARCHIVE_FAILED);
    CHECK(archive_errno(writer.get()) == EILSEQ);
    return error_text(writer.get());
}

}  // namespace

TEST_SUITE("libarchive_shim") {
    TEST_CASE("writers refuse entry types they can not hold with libarchive's message") {
        CHECK(refusal(archive_write_set_format_zip, "pkg/fifo", AE_IFIFO) ==
              "pkg/fifo: zip format cannot archive named pipes");
        CHECK(refusal(archive_write_set_format_zip, "dev/sda", AE_IFBLK) ==
              "dev/sda: zip format cannot archive block devices");
        CHECK(refusal(archive_write_set_format_pax_restricted, "run/sock", AE_IFSOCK) ==
              "run/sock: pax format cannot archive sockets");
        CHECK(refusal(archive_write_set_format_zip, "odd", 0, 0600) ==
              "odd: zip format cannot archive files with mode 0600");
    }

    TEST_CASE("the xbuild binary (libarchive's writers linked in) needs only libc, libm and ld.so") {
        // It is exec'd for every sandbox entry: libxml2 and ICU (what libarchive's own definition of the
        // shimmed function would pull in through the xar writer), libcurl's or a C++ runtime's start-up
        // would be paid each time.
        const auto info = xbuild::elf::read_elf(XBUILD_BINARY);
        CHECK_FALSE(info.needed.empty());
        for (const std::string& needed : info.needed) {
            INFO(needed);
            CHECK((needed == "libc.so.6" || needed == "libm.so.6" || needed.starts_with("ld-linux")));
        }
    }
}
