#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>

#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "python/wheel_archive.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

const std::string k_wheel_text =
    "Wheel-Version: 1.0\nGenerator: xbuild-test\nRoot-Is-Purelib: false\nTag: py3-none-any\nBuild: 1\n";

// Added out of order on purpose: write() sorts.
Wheel sample() {
    Wheel wheel;
    wheel.add_text("pkg-1.0.dist-info/WHEEL", k_wheel_text, 0644);
    wheel.add_text("pkg/__init__.py", "hello", 0644);
    wheel.add_text("pkg-1.0.dist-info/METADATA",
                   "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\nBody: no\n", 0644);
    wheel.add_text("pkg-1.0.data/scripts/run", "#!/bin/sh\necho run\n", 0755);
    wheel.add_text("pkg/_native.so", std::string(1000, '\x7f'), 0755);
    return wheel;
}

std::string content(const Wheel& wheel, std::string_view path) {
    const WheelEntry* entry = wheel.find(path);
    REQUIRE(entry != nullptr);
    return fs::read_file(entry->file);
}

std::vector<std::string> paths(const Wheel& wheel) {
    std::vector<std::string> out;
    for (const WheelEntry& entry : wheel.entries()) out.push_back(entry.path);
    return out;
}

unsigned le16(const std::string& s, size_t at) {
    return static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8;
}

// A zip made with libarchive's own writer, for the hostile layouts Wheel::write never makes.
struct RawEntry {
    std::string name;
    std::string data;
    unsigned type = AE_IFREG;
    std::string symlink;
};

using WriteArchive = std::unique_ptr<::archive, decltype(&archive_write_free)>;
using Entry = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

void make_zip(const stdfs::path& file, const std::vector<RawEntry>& entries, const char* options = nullptr) {
    WriteArchive zip(archive_write_new(), archive_write_free);
    REQUIRE(archive_write_set_format_zip(zip.get()) == ARCHIVE_OK);
    if (options) {
        REQUIRE(archive_write_set_options(zip.get(), options) == ARCHIVE_OK);
        REQUIRE(archive_write_set_passphrase(zip.get(), "secret") == ARCHIVE_OK);
    }
    REQUIRE(archive_write_open_filename(zip.get(), file.c_str()) == ARCHIVE_OK);
    for (const RawEntry& raw : entries) {
        Entry entry(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(entry.get(), raw.name.c_str());
        archive_entry_set_filetype(entry.get(), raw.type);
        archive_entry_set_perm(entry.get(), 0644);
        if (!raw.symlink.empty()) archive_entry_set_symlink(entry.get(), raw.symlink.c_str());
        archive_entry_set_size(entry.get(),
                               raw.type == AE_IFREG ? static_cast<la_int64_t>(raw.data.size()) : 0);
        REQUIRE(archive_write_header(zip.get(), entry.get()) == ARCHIVE_OK);
        if (raw.type == AE_IFREG) archive_write_data(zip.get(), raw.data.data(), raw.data.size());
    }
    REQUIRE(archive_write_close(zip.get()) == ARCHIVE_OK);
}

struct Hostile {
    std::vector<RawEntry> entries;
    const char* message;
};

}  // namespace

TEST_SUITE("wheel_archive") {
    TEST_CASE("urlsafe base64 without padding") {
        CHECK(urlsafe_b64_nopad("") == "");
        CHECK(urlsafe_b64_nopad("f") == "Zg");
        CHECK(urlsafe_b64_nopad("fo") == "Zm8");
        CHECK(urlsafe_b64_nopad("foo") == "Zm9v");
        CHECK(urlsafe_b64_nopad("foob") == "Zm9vYg");
        CHECK(urlsafe_b64_nopad("\xfb\xff\xbf") == "-_-_");
        CHECK(record_hash("hello") == "sha256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ");
    }

    TEST_CASE("write then read: sorted, RECORD last and right, modes kept") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "pkg-1.0-py3-none-any.whl";
        sample().write(file, 1700000000);
        Wheel wheel = Wheel::read(file);
        CHECK(wheel.source() == file);
        CHECK(paths(wheel) == std::vector<std::string>{"pkg-1.0.data/scripts/run", "pkg/__init__.py",
                                                       "pkg/_native.so", "pkg-1.0.dist-info/METADATA",
                                                       "pkg-1.0.dist-info/WHEEL",
                                                       "pkg-1.0.dist-info/RECORD"});
        const std::string record = wheel.text("pkg-1.0.dist-info/RECORD");
        CHECK(record.find("pkg/__init__.py,sha256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ,5\n") !=
              std::string::npos);
        CHECK(record.ends_with("pkg-1.0.dist-info/RECORD,,\n"));
        CHECK(std::count(record.begin(), record.end(), '\n') == 6);
        CHECK(wheel.verify_record().empty());
        CHECK(wheel.find("pkg-1.0.data/scripts/run")->mode == 0755);
        CHECK(wheel.find("pkg/_native.so")->mode == 0755);
        CHECK(wheel.find("pkg/__init__.py")->mode == 0644);
        CHECK(content(wheel, "pkg/_native.so") == std::string(1000, '\x7f'));
        CHECK(wheel.dist_info() == "pkg-1.0.dist-info");
        CHECK(wheel.data_dir() == "pkg-1.0.data");
        CHECK(wheel.metadata_field("name") == "pkg");
        CHECK(wheel.metadata_field("Version") == "1.0");
        CHECK(wheel.metadata_field("Body") == std::nullopt);
        int files = 0;
        for ([[maybe_unused]] const auto& entry : stdfs::directory_iterator(dir.path())) ++files;
        CHECK(files == 1);  // no temp file left
        // The files are on disk, in the wheel's own directory, which goes with it.
        const stdfs::path work = wheel.work_dir();
        CHECK(wheel.find("pkg/__init__.py")->file.parent_path() == work);
        wheel = Wheel();
        CHECK_FALSE(stdfs::exists(work));
    }

    TEST_CASE("writes are byte-identical, in every time zone, and depend on the epoch") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        sample().write(dir.path() / "a.whl", 1700000000);
        sample().write(dir.path() / "b.whl", 1700000000);
        const std::string a = fs::read_file(dir.path() / "a.whl");
        CHECK(a == fs::read_file(dir.path() / "b.whl"));
        // 2023-11-14 22:13:20 UTC in the DOS time and date of the first local header.
        CHECK(le16(a, 10) == (22u << 11 | 13u << 5 | 10u));
        CHECK(le16(a, 12) == (43u << 9 | 11u << 5 | 14u));

        const char* saved = std::getenv("TZ");
        const std::string old_tz = saved ? saved : "";
        ::setenv("TZ", "America/New_York", 1);
        ::tzset();
        sample().write(dir.path() / "c.whl", 1700000000);
        saved ? ::setenv("TZ", old_tz.c_str(), 1) : ::unsetenv("TZ");
        ::tzset();
        CHECK(a == fs::read_file(dir.path() / "c.whl"));

        sample().write(dir.path() / "d.whl", 1700000002);
        CHECK(a != fs::read_file(dir.path() / "d.whl"));
        // Before 1980 is clamped to 1980-01-01 00:00:00.
        sample().write(dir.path() / "e.whl", 0);
        sample().write(dir.path() / "f.whl", 315532800);
        const std::string e = fs::read_file(dir.path() / "e.whl");
        CHECK(e == fs::read_file(dir.path() / "f.whl"));
        CHECK(le16(e, 10) == 0);
        CHECK(le16(e, 12) == (1u << 5 | 1u));
    }

    TEST_CASE("verify_record reports changed, missing and unlisted files") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        sample().write(dir.path() / "w.whl", 1700000000);
        Wheel wheel = Wheel::read(dir.path() / "w.whl");
        wheel.add_text("pkg/__init__.py", "HELLO!");
        wheel.remove("pkg/_native.so");
        wheel.add_text("pkg/extra.py", "");
        const std::vector<std::string> problems = wheel.verify_record();
        REQUIRE(problems.size() == 4);
        CHECK(problems[0] ==
              "pkg-1.0.dist-info/RECORD: the sha256 of 'pkg/__init__.py' does not match its content");
        CHECK(problems[1] ==
              "pkg-1.0.dist-info/RECORD: 'pkg/__init__.py' has size '5' in RECORD but 6 bytes in the wheel");
        CHECK(problems[2] == "pkg-1.0.dist-info/RECORD: lists 'pkg/_native.so', which is not in the wheel");
        CHECK(problems[3] == "pkg-1.0.dist-info/RECORD: 'pkg/extra.py' is not listed");

        wheel.add_text("pkg-1.0.dist-info/RECORD",
                       wheel.text("pkg-1.0.dist-info/RECORD") + "\"unterminated,x,1\n");
        CHECK(wheel.verify_record().at(3) == "pkg-1.0.dist-info/RECORD: line 7 is malformed");
        wheel.remove("pkg-1.0.dist-info/RECORD");
        CHECK(wheel.verify_record() ==
              std::vector<std::string>{(dir.path() / "w.whl").string() + ": no pkg-1.0.dist-info/RECORD"});
    }

    TEST_CASE("RECORD quotes paths with commas") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        Wheel wheel = sample();
        wheel.add_text("pkg/a,\"b\".txt", "x");
        wheel.write(dir.path() / "w.whl", 1700000000);
        Wheel back = Wheel::read(dir.path() / "w.whl");
        CHECK(back.text("pkg-1.0.dist-info/RECORD").find("\"pkg/a,\"\"b\"\".txt\",sha256=") !=
              std::string::npos);
        CHECK(back.verify_record().empty());
    }

    TEST_CASE("set_tags rewrites the Tag lines of WHEEL in place") {
        Wheel wheel = sample();
        wheel.set_tags({"cp313-cp313-manylinux_2_17_x86_64", "cp313-cp313-manylinux2014_x86_64"});
        CHECK(wheel.text("pkg-1.0.dist-info/WHEEL") ==
              "Wheel-Version: 1.0\nGenerator: xbuild-test\nRoot-Is-Purelib: false\n"
              "Tag: cp313-cp313-manylinux_2_17_x86_64\nTag: cp313-cp313-manylinux2014_x86_64\nBuild: 1\n");
        const auto metadata = wheel.wheel_metadata();
        REQUIRE(metadata.size() == 6);
        CHECK(metadata[0] == std::pair<std::string, std::string>{"Wheel-Version", "1.0"});
        CHECK(metadata[3] == std::pair<std::string, std::string>{"Tag", "cp313-cp313-manylinux_2_17_x86_64"});
        CHECK(metadata[5] == std::pair<std::string, std::string>{"Build", "1"});
        CHECK_THROWS_WITH_AS(wheel.set_tags({"cp313-manylinux"}),
                             doctest::Contains("invalid tag 'cp313-manylinux'"), Error);
        CHECK_THROWS_AS(wheel.set_tags({}), Error);

        wheel.add_text("pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n");
        wheel.set_tags({"py3-none-any"});
        CHECK(wheel.text("pkg-1.0.dist-info/WHEEL") == "Wheel-Version: 1.0\nTag: py3-none-any\n");
        wheel.add_text("pkg-1.0.dist-info/WHEEL", "no colon\n");
        CHECK_THROWS_WITH_AS(wheel.wheel_metadata(), doctest::Contains("malformed line 'no colon'"), Error);
    }

    TEST_CASE("add, remove, dist-info lookups") {
        Wheel wheel = sample();
        const stdfs::path before = wheel.find("pkg/__init__.py")->file;
        wheel.add_text("pkg/__init__.py", "replaced", 0700);
        CHECK(content(wheel, "pkg/__init__.py") == "replaced");
        CHECK_FALSE(stdfs::exists(before));  // the replaced file was the wheel's own
        CHECK(wheel.find("pkg/__init__.py")->mode == 0755);
        CHECK(wheel.entries().size() == 5);
        wheel.remove("pkg/__init__.py");
        wheel.remove("not/there");
        CHECK(wheel.find("pkg/__init__.py") == nullptr);
        CHECK_THROWS_WITH_AS(wheel.add_text("../evil", ""),
                             doctest::Contains("entry '../evil' escapes the wheel"), Error);
        wheel.add_text("other-2.0.dist-info/METADATA", "");
        CHECK_THROWS_WITH_AS(wheel.dist_info(), doctest::Contains("several .dist-info directories"), Error);
        CHECK_THROWS_WITH_AS(Wheel().dist_info(), doctest::Contains("no .dist-info directory"), Error);
    }

    TEST_CASE("write refuses unsafe content and leaves nothing behind") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "w.whl";
        Wheel wheel = sample();
        wheel.entries().push_back({"/abs", wheel.find("pkg/__init__.py")->file, 0644});
        CHECK_THROWS_WITH_AS(wheel.write(file, 0),
                             doctest::Contains("w.whl: entry '/abs' is an absolute path"), Error);
        wheel = sample();
        wheel.entries().push_back({"pkg/__init__.py", wheel.find("pkg/__init__.py")->file, 0644});
        CHECK_THROWS_WITH_AS(wheel.write(file, 0), doctest::Contains("entry 'pkg/__init__.py' appears twice"),
                             Error);
        CHECK_THROWS_WITH_AS(Wheel().write(file, 0), doctest::Contains("no .dist-info directory"), Error);
        CHECK_THROWS_AS(sample().write(dir.path() / "missing" / "w.whl", 0), Error);
        CHECK(stdfs::is_empty(dir.path()));
    }

    TEST_CASE("non-ASCII names survive a round trip") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        Wheel wheel = sample();
        wheel.add_text("pkg/d\xc3\xa9j\xc3\xa0_vu.txt", "x");
        wheel.write(dir.path() / "w.whl", 1700000000);
        Wheel back = Wheel::read(dir.path() / "w.whl");
        CHECK(back.find("pkg/d\xc3\xa9j\xc3\xa0_vu.txt") != nullptr);
        CHECK(back.verify_record().empty());
        CHECK_THROWS_WITH_AS(wheel.add_text("pkg/\xff.txt", ""), doctest::Contains("is not UTF-8"), Error);
    }

    TEST_CASE("hostile zips are refused with the entry named") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "evil-1.0-py3-none-any.whl";
        const std::vector<Hostile> cases = {
            {{{"../evil", "x"}}, "evil-1.0-py3-none-any.whl: entry '../evil' escapes the wheel"},
            {{{"/abs", "x"}}, "entry '/abs' is an absolute path"},
            {{{"a/../../b", "x"}}, "entry 'a/../../b' escapes the wheel"},
            {{{"a/./b", "x"}}, "entry 'a/./b' has a '.' path component"},
            {{{"a//b", "x"}}, "entry 'a//b' has an empty path component"},
            {{{"a\\..\\b", "x"}}, "entry 'a\\..\\b' has a backslash in its name"},
            {{{"a\nb", "x"}}, "entry 'a\\x0ab' has a control character in its name"},
            {{{"../up/", "", AE_IFDIR}}, "entry '../up' escapes the wheel"},
            {{{"pkg/link", "", AE_IFLNK, "/etc/passwd"}}, "entry 'pkg/link' is a symlink"},
            {{{"pkg/a.py", "1"}, {"pkg/a.py", "2"}}, "entry 'pkg/a.py' appears twice"},
            {{{"pkg", "1"}, {"pkg/a.py", "2"}}, "entry 'pkg' is both a file and a directory"},
        };
        for (const Hostile& hostile : cases) {
            CAPTURE(hostile.message);
            make_zip(file, hostile.entries);
            CHECK_THROWS_WITH_AS(Wheel::read(file), doctest::Contains(hostile.message), Error);
        }
    }

    TEST_CASE("a NUL byte hidden in a stored name is refused") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "w.whl";
        make_zip(file, {{"pkg/aXevil.py", "x"}});
        std::string zip = fs::read_file(file);
        for (size_t at; (at = zip.find("aXevil")) != std::string::npos;) zip[at + 1] = '\0';
        fs::write_file_atomic(file, zip);
        CHECK_THROWS_WITH_AS(Wheel::read(file), doctest::Contains("entry 'pkg/a\\x00evil.py' has a NUL byte"),
                             Error);
    }

    TEST_CASE("a local header name that differs from the central directory is refused") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "w.whl";
        make_zip(file, {{"pkg/a.py", "x"}});
        std::string zip = fs::read_file(file);
        zip[zip.find("pkg/a.py") + 4] = 'b';  // the local header comes first
        fs::write_file_atomic(file, zip);
        CHECK_THROWS_WITH_AS(
            Wheel::read(file),
            doctest::Contains("entry 'pkg/a.py' has another name in its local header: 'pkg/b.py'"), Error);
    }

    TEST_CASE("encrypted entries are refused") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "w.whl";
        make_zip(file, {{"pkg/secret.py", "x"}}, "zip:encryption=zipcrypt");
        CHECK_THROWS_WITH_AS(Wheel::read(file), doctest::Contains("entry 'pkg/secret.py' is encrypted"),
                             Error);
    }

    TEST_CASE("truncated, corrupt and non-zip files are refused") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "w.whl";
        sample().write(file, 1700000000);
        const std::string zip = fs::read_file(file);
        fs::write_file_atomic(file, zip.substr(0, zip.size() / 2));
        CHECK_THROWS_WITH_AS(Wheel::read(file), doctest::Contains("w.whl: truncated zip archive"), Error);
        fs::write_file_atomic(file, zip.substr(0, zip.size() - 10));
        CHECK_THROWS_WITH_AS(Wheel::read(file), doctest::Contains("truncated zip archive"), Error);

        std::string corrupt = zip;
        const size_t data = 30 + le16(zip, 26) + le16(zip, 28);  // the first entry's compressed bytes
        corrupt[data + 2] = static_cast<char>(corrupt[data + 2] ^ 0x55);
        fs::write_file_atomic(file, corrupt);
        CHECK_THROWS_WITH_AS(Wheel::read(file),
                             doctest::Contains("entry 'pkg-1.0.data/scripts/run' is corrupt"), Error);

        fs::write_file_atomic(file, "hello, this is not a zip archive at all");
        CHECK_THROWS_WITH_AS(Wheel::read(file), doctest::Contains("w.whl: not a zip archive"), Error);
        fs::write_file_atomic(file, "");
        CHECK_THROWS_WITH_AS(Wheel::read(file), doctest::Contains("w.whl: not a zip archive"), Error);
        CHECK_THROWS_WITH_AS(Wheel::read(dir.path() / "missing.whl"), doctest::Contains("missing.whl"),
                             Error);
        CHECK_THROWS_WITH_AS(Wheel::read(dir.path()), doctest::Contains("not a regular file"), Error);
    }

    TEST_CASE("zip-bomb bounds: entry count and uncompressed size") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "w.whl";
        sample().write(file, 0);
        CHECK(Wheel::read(file).entries().size() == 6);
        InputLimits limits;
        limits.max_entries = 5;
        CHECK_THROWS_WITH_AS(Wheel::read(file, {{}, limits}),
                             doctest::Contains("6 entries, more than the limit of 5"), Error);
        limits = InputLimits();
        limits.max_unpacked_size = 1000;
        CHECK_THROWS_WITH_AS(
            Wheel::read(file, {{}, limits}),
            doctest::Contains("makes more than 1000 bytes uncompressed (XBUILD_MAX_UNPACKED_SIZE)"), Error);
        limits = InputLimits();
        limits.max_metadata_size = 1000;  // RECORD fits, METADATA does not
        Wheel long_description = sample();
        long_description.add_text("pkg-1.0.dist-info/METADATA",
                                  "Name: pkg\nVersion: 1.0\n\n" + std::string(2000, 'd'));
        long_description.write(file, 0);
        Wheel small = Wheel::read(file, {dir.path(), limits});
        CHECK(small.find("pkg-1.0.dist-info/METADATA")->file.parent_path().parent_path() == dir.path());
        CHECK_THROWS_WITH_AS(small.text("pkg-1.0.dist-info/METADATA"),
                             doctest::Contains("w.whl: pkg-1.0.dist-info/METADATA is larger than 1000 bytes "
                                               "(XBUILD_MAX_METADATA_SIZE)"),
                             Error);
    }

    TEST_CASE("RECORD is checked on read: one error naming the wheel and the file") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-wheel-test-");
        const auto file = dir.path() / "w.whl";
        sample().write(file, 0);
        Wheel wheel = Wheel::read(file);
        // What a lying RECORD looks like: the content changed after RECORD was written.
        std::vector<xbuild::archive::ZipEntryView> zip;
        const std::string tampered = "print('tampered')\n";
        for (const WheelEntry& entry : wheel.entries())
            zip.push_back({entry.path, entry.path == "pkg/__init__.py" ? std::string_view(tampered) : "",
                           entry.mode, entry.path == "pkg/__init__.py" ? nullptr : &entry.file});
        xbuild::archive::write_zip(dir.path() / "tampered.whl", zip, 0);
        CHECK_THROWS_WITH_AS(
            Wheel::read(dir.path() / "tampered.whl"),
            doctest::Contains("tampered.whl: pkg-1.0.dist-info/RECORD: the sha256 of "
                              "'pkg/__init__.py' does not match its content (and 1 more RECORD "
                              "problem)"),
            Error);
        // A file RECORD does not list; RECORD itself missing.
        zip.clear();
        for (const WheelEntry& entry : wheel.entries())
            zip.push_back({entry.path, "", entry.mode, &entry.file});
        zip.push_back({"pkg/unlisted.py", "", 0644});
        xbuild::archive::write_zip(dir.path() / "unlisted.whl", zip, 0);
        CHECK_THROWS_WITH_AS(
            Wheel::read(dir.path() / "unlisted.whl"),
            doctest::Contains("unlisted.whl: pkg-1.0.dist-info/RECORD: 'pkg/unlisted.py' is not listed"),
            Error);
        zip.pop_back();
        std::erase_if(
            zip, [](const xbuild::archive::ZipEntryView& entry) { return entry.path.ends_with("/RECORD"); });
        xbuild::archive::write_zip(dir.path() / "norecord.whl", zip, 0);
        CHECK_THROWS_WITH_AS(Wheel::read(dir.path() / "norecord.whl"),
                             doctest::Contains("norecord.whl: no pkg-1.0.dist-info/RECORD"), Error);
        // Signatures of RECORD need not be listed.
        zip.clear();
        for (const WheelEntry& entry : wheel.entries())
            zip.push_back({entry.path, "", entry.mode, &entry.file});
        zip.push_back({"pkg-1.0.dist-info/RECORD.jws", "{}", 0644});
        xbuild::archive::write_zip(dir.path() / "signed.whl", zip, 0);
        CHECK(Wheel::read(dir.path() / "signed.whl").entries().size() == 7);
    }
}
