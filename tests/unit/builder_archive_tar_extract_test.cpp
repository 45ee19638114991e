#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/archive/tar_extract.hpp"
#include "builder/archive/zip_file.hpp"  // the libarchive handles (and ::archive)
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "tests/unit/test_support.hpp"

namespace stdfs = std::filesystem;
namespace fs = xbuild::fs;
using xbuild::Error;
using xbuild::archive::extract_tar;
using xbuild::archive::single_top_dir;

namespace {

using xbuild::test::contains;

struct TarEntry {
    std::string name;
    unsigned type = AE_IFREG;
    unsigned mode = 0644;
    std::string data;
    std::string symlink;
    std::string hardlink;
};

TarEntry dir(std::string name, unsigned mode = 0755) {
    return {std::move(name), AE_IFDIR, mode, "", "", ""};
}
TarEntry reg(std::string name, std::string data, unsigned mode = 0644) {
    return {std::move(name), AE_IFREG, mode, std::move(data), "", ""};
}
TarEntry symlink_entry(std::string name, std::string target) {
    return {std::move(name), AE_IFLNK, 0777, "", std::move(target), ""};
}
TarEntry hard(std::string name, std::string target) {
    return {std::move(name), AE_IFREG, 0644, "", "", std::move(target)};
}

constexpr long long k_mtime = 1700000000;

// Writes a pax or GNU tar (gzip-compressed when gzip is set) with libarchive's writer, entries as given.
void write_tar(const stdfs::path& file, const std::vector<TarEntry>& entries, bool gzip = false,
               bool gnu = false) {
    xbuild::archive::WriteArchive tar(archive_write_new());
    if (gnu)
        REQUIRE(archive_write_set_format_gnutar(tar.get()) == ARCHIVE_OK);
    else
        REQUIRE(archive_write_set_format_pax_restricted(tar.get()) == ARCHIVE_OK);
    if (gzip) REQUIRE(archive_write_add_filter_gzip(tar.get()) == ARCHIVE_OK);
    REQUIRE(archive_write_open_filename(tar.get(), file.c_str()) == ARCHIVE_OK);
    for (const TarEntry& raw : entries) {
        xbuild::archive::ArchiveEntry entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), raw.name.c_str());
        archive_entry_set_filetype(entry.get(), raw.type);
        archive_entry_set_perm(entry.get(), raw.mode);
        archive_entry_set_mtime(entry.get(), k_mtime, 0);
        if (!raw.symlink.empty()) archive_entry_set_symlink(entry.get(), raw.symlink.c_str());
        if (!raw.hardlink.empty()) archive_entry_set_hardlink(entry.get(), raw.hardlink.c_str());
        if (raw.type == AE_IFCHR || raw.type == AE_IFBLK) archive_entry_set_rdev(entry.get(), makedev(1, 3));
        const bool has_data = raw.type == AE_IFREG && raw.hardlink.empty();
        archive_entry_set_size(entry.get(), has_data ? static_cast<la_int64_t>(raw.data.size()) : 0);
        REQUIRE(archive_write_header(tar.get(), entry.get()) == ARCHIVE_OK);
        if (has_data)
            REQUIRE(archive_write_data(tar.get(), raw.data.data(), raw.data.size()) ==
                    static_cast<la_ssize_t>(raw.data.size()));
    }
    REQUIRE(archive_write_close(tar.get()) == ARCHIVE_OK);
}

unsigned mode_of(const stdfs::path& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::vector<std::string> names_in(const stdfs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : stdfs::directory_iterator(dir)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

// A work directory holding the archive and dest/; anything written beside them escaped.
struct Work {
    fs::TempDir temp{stdfs::temp_directory_path(), "xbuild-tar-test-"};
    stdfs::path archive = temp.path() / "input.tar";
    stdfs::path dest = temp.path() / "dest";
    Work() { fs::make_dirs(dest); }
    void expect_refused(const std::vector<TarEntry>& entries, const std::string& message) {
        write_tar(archive, entries);
        CHECK_THROWS_WITH_AS(extract_tar(archive, dest), contains(archive.string() + ": " + message), Error);
        CHECK(names_in(temp.path()) == std::vector<std::string>{"dest", "input.tar"});
    }
};

}  // namespace

TEST_SUITE("archive tar extract") {
    TEST_CASE("a normal tree extracts with contents, modes, times and links") {
        for (int variant = 0; variant < 3; ++variant) {
            const bool gzip = variant == 1, gnu = variant == 2;  // pax, pax + gzip, GNU tar
            CAPTURE(variant);
            Work work;
            work.archive = work.temp.path() / (gzip ? "pkg-1.0.tar.gz" : "pkg-1.0.tar");
            write_tar(work.archive,
                      {
                          dir("pkg-1.0/"),
                          reg("pkg-1.0/setup.py", "from setuptools import setup\nsetup()\n"),
                          reg("pkg-1.0/run.sh", "#!/bin/sh\n", 0755),
                          reg("pkg-1.0/private.txt", "secret", 0600),
                          reg("pkg-1.0/suid", "x", 04755),
                          dir("pkg-1.0/src/", 0750),
                          reg("pkg-1.0/src/mod.c", "int x;\n"),
                          reg("pkg-1.0/empty", ""),
                          symlink_entry("pkg-1.0/link.c", "src/mod.c"),
                          symlink_entry("pkg-1.0/src/up.py", "../setup.py"),
                          hard("pkg-1.0/hard.py", "pkg-1.0/setup.py"),
                      },
                      gzip, gnu);
            extract_tar(work.archive, work.dest);
            const stdfs::path top = work.dest / "pkg-1.0";
            CHECK(names_in(work.dest) == std::vector<std::string>{"pkg-1.0"});
            CHECK(names_in(top) == std::vector<std::string>{"empty", "hard.py", "link.c", "private.txt",
                                                            "run.sh", "setup.py", "src", "suid"});
            CHECK(fs::read_file(top / "setup.py") == "from setuptools import setup\nsetup()\n");
            CHECK(fs::read_file(top / "src/mod.c") == "int x;\n");
            CHECK(fs::read_file(top / "empty") == "");
            CHECK(mode_of(top / "setup.py") == 0644);
            CHECK(mode_of(top / "run.sh") == 0755);
            CHECK(mode_of(top / "private.txt") == 0600);
            CHECK(mode_of(top / "suid") == 0755);  // setuid dropped
            CHECK(mode_of(top / "src") == 0750);
            CHECK(stdfs::read_symlink(top / "link.c") == "src/mod.c");
            CHECK(stdfs::read_symlink(top / "src/up.py") == "../setup.py");
            CHECK(fs::read_file(top / "hard.py") == fs::read_file(top / "setup.py"));
            CHECK(stdfs::equivalent(top / "hard.py", top / "setup.py"));
            struct stat st {};
            REQUIRE(::stat((top / "setup.py").c_str(), &st) == 0);
            CHECK(st.st_mtime == k_mtime);
            CHECK(single_top_dir(work.dest) == top);
        }
    }

    TEST_CASE("entries that escape the destination are refused, naming the archive and the entry") {
        Work work;
        SUBCASE("../evil") {
            work.expect_refused({reg("ok.txt", "ok"), reg("../evil", "x")},
                                "entry '../evil' escapes the extraction directory");
        }
        SUBCASE("an absolute path") {
            const std::string absolute = (work.temp.path() / "abs-evil").string();
            work.expect_refused({reg(absolute, "x")},
                                "entry '" + absolute + "' escapes the extraction directory");
        }
        SUBCASE("a/../../b") {
            work.expect_refused({dir("a/"), reg("a/../../b", "x")},
                                "entry 'a/../../b' escapes the extraction directory");
        }
        SUBCASE("./../x") {
            work.expect_refused({reg("./../x", "x")}, "entry './../x' escapes the extraction directory");
        }
    }

    TEST_CASE("symlinks and hard links that point outside are refused") {
        Work work;
        SUBCASE("a relative symlink") {
            work.expect_refused({dir("pkg/"), symlink_entry("pkg/link", "../../x")},
                                "symlink 'pkg/link' -> '../../x' points outside the tree");
        }
        SUBCASE("an absolute symlink") {
            work.expect_refused({symlink_entry("etc", "/etc")},
                                "symlink 'etc' -> '/etc' points outside the tree");
        }
        SUBCASE("a symlink through another symlink to '..'") {
            // Each target alone stays inside when read as text ("a/s/.." is "a"); on disk a/t is
            // a/s/.. = <dest>/.., outside.
            work.expect_refused({dir("a/"), symlink_entry("a/s", ".."), symlink_entry("a/t", "s/..")},
                                "symlink 'a/t' -> 's/..' points outside the tree");
        }
        SUBCASE("symlinks made to point outside by a symlink extracted after them") {
            // As text, and on disk when each is extracted, every target is inside; a/b/c comes last
            // and makes a/s (a/b/c/../..) the parent of the destination.
            work.expect_refused(
                {dir("a/"), symlink_entry("a/t", "s/../../etc"), symlink_entry("a/s", "b/c/../.."),
                 dir("a/b/"), symlink_entry("a/b/c", "../..")},
                "symlink 'a/s' -> 'b/c/../..' points outside the tree");
        }
        SUBCASE("a hard link to an inside symlink, from a place where its target leads outside") {
            work.expect_refused(
                {dir("a/"), dir("a/b/"), symlink_entry("a/b/l", "../../x"), hard("top", "a/b/l")},
                "symlink 'top' -> '../../x' points outside the tree");
        }
        SUBCASE("a hard link to ../x") {
            work.expect_refused({reg("file", "x"), hard("hard", "../x")},
                                "hard link 'hard' points outside the tree");
        }
        SUBCASE("a hard link to an absolute path") {
            work.expect_refused({hard("hard", "/etc/passwd")}, "hard link 'hard' points outside the tree");
        }
    }

    TEST_CASE("device nodes and fifos are refused") {
        Work work;
        SUBCASE("a character device") {
            work.expect_refused({{"dev/null", AE_IFCHR, 0666, "", "", ""}},
                                "entry 'dev/null' is not a regular file, directory or symlink");
        }
        SUBCASE("a block device") {
            work.expect_refused({{"sda", AE_IFBLK, 0660, "", "", ""}},
                                "entry 'sda' is not a regular file, directory or symlink");
        }
        SUBCASE("a fifo") {
            work.expect_refused({{"pipe", AE_IFIFO, 0644, "", "", ""}},
                                "entry 'pipe' is not a regular file, directory or symlink");
        }
    }

    TEST_CASE("inside symlinks that look like they climb are accepted") {
        Work work;
        write_tar(work.archive, {dir("a/"), dir("a/b/"), symlink_entry("a/b/up", "../../top.txt"),
                                 reg("top.txt", "t"), symlink_entry("a/same", "b/..")});
        extract_tar(work.archive, work.dest);
        CHECK(fs::read_file(work.dest / "a/b/up") == "t");
        CHECK(stdfs::equivalent(work.dest / "a/same", work.dest / "a"));
    }

    TEST_CASE("a destination named through a symlink") {
        Work work;
        fs::make_dirs(work.temp.path() / "real");
        stdfs::create_directory_symlink("real", work.temp.path() / "via-link");
        write_tar(work.archive, {dir("pkg/"), reg("pkg/setup.py", "x"), symlink_entry("pkg/l", "setup.py")});
        extract_tar(work.archive, work.temp.path() / "via-link");
        CHECK(fs::read_file(work.temp.path() / "real/pkg/setup.py") == "x");
        CHECK(stdfs::read_symlink(work.temp.path() / "real/pkg/l") == "setup.py");
    }

    TEST_CASE("empty, missing and corrupt archives are errors naming the archive") {
        Work work;
        write_tar(work.archive, {});
        CHECK_THROWS_WITH_AS(extract_tar(work.archive, work.dest),
                             contains(work.archive.string() + ": empty archive"), Error);
        const stdfs::path missing = work.temp.path() / "missing.tar.gz";
        CHECK_THROWS_WITH_AS(extract_tar(missing, work.dest),
                             contains(missing.string() + ": cannot read archive"), Error);
        const stdfs::path nowhere = work.temp.path() / "nowhere";
        CHECK_THROWS_WITH_AS(extract_tar(work.archive, nowhere),
                             contains(work.archive.string() + ": cannot extract into " + nowhere.string()),
                             Error);
        const stdfs::path garbage = work.temp.path() / "garbage.tar";
        fs::write_file_atomic(garbage, std::string(2000, 'x'));
        CHECK_THROWS_WITH_AS(extract_tar(garbage, work.dest), contains(garbage.string() + ": "), Error);
        // Truncated in the middle of a file's data.
        write_tar(work.archive, {reg("big.bin", std::string(100000, 'b'))});
        std::string bytes = fs::read_file(work.archive);
        const stdfs::path truncated = work.temp.path() / "truncated.tar";
        fs::write_file_atomic(truncated, bytes.substr(0, 20000));
        CHECK_THROWS_WITH_AS(extract_tar(truncated, work.dest),
                             contains(truncated.string() + ": corrupt or truncated archive"), Error);
    }

    TEST_CASE("sparse files are refused, in GNU and pax form, before their holes are written") {
        for (const char* format : {"gnu", "posix", "oldgnu"}) {
            CAPTURE(format);
            Work work;
            work.archive = work.temp.path() / "sparse-1.0.tar.gz";
            const stdfs::path src = work.temp.path() / "src";
            fs::make_dirs(src / "sparse-1.0");
            fs::write_file_atomic(src / "sparse-1.0/setup.py", "x");
            const std::string d = src.string();
            REQUIRE(std::system(("cd " + d + " && truncate -s 300M sparse-1.0/holes && printf end >> " +
                                 "sparse-1.0/holes && tar -S --format=" + format + " -czf " +
                                 work.archive.string() + " sparse-1.0")
                                    .c_str()) == 0);
            CHECK(stdfs::file_size(work.archive) < 10000);
            CHECK_THROWS_WITH_AS(
                extract_tar(work.archive, work.dest),
                contains(work.archive.string() + ": entry 'sparse-1.0/holes' is a sparse file"), Error);
            CHECK(xbuild::fs::tree_size(work.dest) < 1000);
        }
    }

    TEST_CASE("the extracted size and the entry count are bounded") {
        Work work;
        const std::string data(3000, 'd');
        xbuild::InputLimits limits;
        limits.max_sdist_size = 5000;
        write_tar(work.archive, {dir("pkg/"), reg("pkg/a", data), reg("pkg/b", data)}, true);
        CHECK_THROWS_WITH_AS(
            extract_tar(work.archive, work.dest, limits),
            contains(
                work.archive.string() +
                ": entry 'pkg/b' makes the extracted files larger than 5000 bytes (XBUILD_MAX_SDIST_SIZE)"),
            Error);
        CHECK_FALSE(stdfs::exists(work.dest / "pkg/b"));  // refused before it was written
        limits.max_sdist_size = 6000;
        CHECK_NOTHROW(extract_tar(work.archive, work.dest, limits));
        Work count;
        limits.max_entries = 2;
        write_tar(count.archive, {dir("pkg/"), reg("pkg/a", "a"), reg("pkg/b", "b")});
        CHECK_THROWS_WITH_AS(extract_tar(count.archive, count.dest, limits),
                             contains("more than 2 entries (XBUILD_MAX_ARCHIVE_ENTRIES)"), Error);
    }

    TEST_CASE("single_top_dir") {
        fs::TempDir temp(stdfs::temp_directory_path(), "xbuild-tar-top-");
        const stdfs::path dest = temp.path();
        CHECK(single_top_dir(dest) == dest);  // empty
        fs::make_dirs(dest / "pkg-1.0");
        CHECK(single_top_dir(dest) == dest / "pkg-1.0");
        fs::write_file_atomic(dest / "PKG-INFO", "x");
        CHECK(single_top_dir(dest) == dest);  // two entries
        stdfs::remove(dest / "pkg-1.0");
        CHECK(single_top_dir(dest) == dest);  // one file
    }
}
