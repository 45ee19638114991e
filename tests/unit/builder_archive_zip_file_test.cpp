#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/archive/zip_extract.hpp"
#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

// Not `using namespace xbuild`: `archive` would then name both xbuild::archive and libarchive's type.
using namespace xbuild::archive;
using xbuild::Error;
namespace fs = xbuild::fs;
namespace stdfs = std::filesystem;

namespace {

std::vector<std::string> paths(const std::vector<ExtractedFile>& entries) {
    std::vector<std::string> out;
    for (const ExtractedFile& entry : entries) out.push_back(entry.path);
    return out;
}

// The entries of a zip, extracted into a directory of their own below dir.
std::vector<ExtractedFile> extract(const stdfs::path& zip, const stdfs::path& dir,
                                   const xbuild::InputLimits& limits = {}) {
    static int count = 0;
    const stdfs::path dest = dir / ("x" + std::to_string(++count));
    stdfs::create_directory(dest);
    return extract_zip(zip, dest, limits);
}

// A zip with a directory entry, made with libarchive directly through the wrappers.
void make_zip_with_directory(const stdfs::path& file) {
    WriteArchive zip(archive_write_new());
    REQUIRE(archive_write_set_format_zip(zip.get()) == ARCHIVE_OK);
    REQUIRE(archive_write_open_filename(zip.get(), file.c_str()) == ARCHIVE_OK);
    for (const char* name : {"dir/", "dir/file"}) {
        ArchiveEntry entry(archive_entry_new());
        const bool directory = std::string(name).ends_with('/');
        archive_entry_set_pathname(entry.get(), name);
        archive_entry_set_filetype(entry.get(), directory ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(entry.get(), 0755);
        archive_entry_set_size(entry.get(), directory ? 0 : 1);
        REQUIRE(archive_write_header(zip.get(), entry.get()) == ARCHIVE_OK);
        if (!directory) archive_write_data(zip.get(), "x", 1);
    }
    REQUIRE(archive_write_close(zip.get()) == ARCHIVE_OK);
}

}  // namespace

TEST_SUITE("zip_file") {
    TEST_CASE("write then extract: the order given, modes 0755 or 0644, data kept, from memory or files") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-zip-test-");
        const auto file = dir.path() / "a.zip";
        const std::string big(100000, 'x');  // views: the data must outlive write_zip
        const stdfs::path content = dir.path() / "content";
        fs::write_file_atomic(content, std::string(300000, 'y') + "end");
        const std::vector<ZipEntryView> entries = {
            {"z/last-first", "one", 0644},
            {"a/run", "#!/bin/sh\n", 0700},
            {"a/d\xc3\xa9j\xc3\xa0", big, 0600},
            {"a/empty", "", 0644},
            {"a/from-file", "ignored", 0755, &content},
        };
        write_zip(file, entries, 1700000000);
        const std::vector<ExtractedFile> back = extract(file, dir.path());
        CHECK(paths(back) == std::vector<std::string>{"z/last-first", "a/run", "a/d\xc3\xa9j\xc3\xa0",
                                                      "a/empty", "a/from-file"});
        CHECK(fs::read_file(back[0].file) == "one");
        CHECK(back[0].size == 3);
        CHECK(back[0].sha256.size() == 32);
        CHECK(back[1].mode == 0755);
        CHECK(back[2].mode == 0644);
        CHECK(fs::read_file(back[2].file) == big);
        CHECK(fs::read_file(back[3].file).empty());
        CHECK(fs::read_file(back[4].file) == fs::read_file(content));
        CHECK(back[4].mode == 0755);
        CHECK(back[4].file.parent_path().filename() == back[0].file.parent_path().filename());
    }

    TEST_CASE("write is reproducible and clamps the time to the zip range") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-zip-test-");
        const std::vector<ZipEntryView> entries = {{"a", "x", 0644}};
        write_zip(dir.path() / "1.zip", entries, -5);
        write_zip(dir.path() / "2.zip", entries, 315532800);
        CHECK(fs::read_file(dir.path() / "1.zip") == fs::read_file(dir.path() / "2.zip"));
        write_zip(dir.path() / "3.zip", entries, 4354819198LL);
        write_zip(dir.path() / "4.zip", entries, 99999999999LL);
        CHECK(fs::read_file(dir.path() / "3.zip") == fs::read_file(dir.path() / "4.zip"));
        CHECK(fs::read_file(dir.path() / "1.zip") != fs::read_file(dir.path() / "3.zip"));
    }

    TEST_CASE("write refuses unsafe and duplicate names and leaves nothing behind") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-zip-test-");
        const auto file = dir.path() / "w.zip";
        const std::vector<ZipEntryView> escaping = {{"a/../../b", "x", 0644}};
        CHECK_THROWS_WITH_AS(write_zip(file, escaping, 0),
                             doctest::Contains("w.zip: entry 'a/../../b' escapes the archive"), Error);
        const std::vector<ZipEntryView> twice = {{"a", "1", 0644}, {"a", "2", 0644}};
        CHECK_THROWS_WITH_AS(write_zip(file, twice, 0), doctest::Contains("w.zip: entry 'a' appears twice"),
                             Error);
        const stdfs::path missing = dir.path() / "missing";
        const std::vector<ZipEntryView> unreadable = {{"a", "", 0644, &missing}};
        CHECK_THROWS_WITH_AS(write_zip(file, unreadable, 0), doctest::Contains("missing"), Error);
        CHECK(stdfs::is_empty(dir.path()));  // the temporary file went too
    }

    TEST_CASE("extract skips directory entries and names the noun given") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-zip-test-");
        const auto file = dir.path() / "d.zip";
        make_zip_with_directory(file);
        const std::vector<ExtractedFile> entries = extract(file, dir.path());
        CHECK(paths(entries) == std::vector<std::string>{"dir/file"});
        CHECK(entries[0].mode == 0755);
        CHECK_THROWS_WITH_AS(extract(file, dir.path(), {.max_entries = 1}),
                             doctest::Contains("d.zip: 2 entries, more than the limit of 1"), Error);
        CHECK_THROWS_WITH_AS(check_entry_path("x.zip", "../a"),
                             doctest::Contains("x.zip: entry '../a' escapes the archive"), Error);
        CHECK_THROWS_WITH_AS(check_entry_path("x.whl", "../a", "wheel"),
                             doctest::Contains("x.whl: entry '../a' escapes the wheel"), Error);
        CHECK_NOTHROW(check_entry_path("x.zip", "a/b.c/..d/e..", "wheel"));
    }

    TEST_CASE("Utf8Locale restores the thread's locale") {
        const locale_t before = uselocale(locale_t{});
        {
            Utf8Locale locale;
            CHECK(uselocale(locale_t{}) != before);
        }
        CHECK(uselocale(locale_t{}) == before);
    }

    TEST_CASE("handles are move-only owners") {
        WriteArchive a(archive_write_new());
        ::archive* raw = a.get();
        WriteArchive b(std::move(a));
        CHECK(b.get() == raw);
        CHECK(a.get() == nullptr);
        CHECK_THROWS_AS(ReadArchive(nullptr), std::bad_alloc);
    }
}
