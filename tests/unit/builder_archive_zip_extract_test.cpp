#include <doctest/doctest.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/archive/zip_extract.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "tests/unit/test_support.hpp"
#include "tests/unit/zip_builder.hpp"

using xbuild::Error;
using xbuild::InputLimits;
using xbuild::archive::extract_zip;
using xbuild::archive::ExtractedFile;
using xbuild::test::build_zip;
using xbuild::test::contains;
using xbuild::test::RawZipEntry;
namespace fs = xbuild::fs;
namespace stdfs = std::filesystem;

namespace {

struct Work {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-zip-extract-test-"};
    stdfs::path zip = dir.path() / "h.zip";
    stdfs::path dest = dir.path() / "dest";
    int extractions = 0;
    Work() { stdfs::create_directory(dest); }

    // A new, empty directory below dest for one extraction.
    stdfs::path next_dest() {
        const stdfs::path next = dest / std::to_string(++extractions);
        stdfs::create_directory(next);
        return next;
    }
    std::vector<ExtractedFile> extract(const std::vector<RawZipEntry>& entries,
                                       const InputLimits& limits = {}) {
        fs::write_file_atomic(zip, build_zip(entries));
        return extract_zip(zip, next_dest(), limits, "wheel");
    }
    // The bytes extracted so far, all files together.
    std::uintmax_t written() const {
        std::uintmax_t total = 0;
        for (const auto& entry : stdfs::recursive_directory_iterator(dest))
            if (entry.is_regular_file()) total += entry.file_size();
        return total;
    }
};

// A zip with one deflated entry "big.csv" of about size bytes of numbers, written in chunks (the test
// process never holds it: its peak RSS then tells whether the reader did). Returns the entry's size.
std::size_t write_big_zip(const stdfs::path& file, std::size_t size) {
    std::FILE* out = std::fopen(file.c_str(), "wb");
    REQUIRE(out != nullptr);
    const std::string name = "big.csv";
    std::string header(30 + name.size(), '\0');  // written last, once the sizes are known
    std::fwrite(header.data(), 1, header.size(), out);
    z_stream z{};
    REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    uLong crc = crc32(0, nullptr, 0);
    std::size_t total = 0;
    unsigned char buffer[65536];
    for (long i = 0; total < size || z.avail_in != 0;) {
        std::string chunk;
        while (total < size && chunk.size() < 60000) chunk += std::to_string(i++ * 7919) + ",";
        total += chunk.size();
        crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.data()), static_cast<uInt>(chunk.size()));
        z.next_in = reinterpret_cast<Bytef*>(chunk.data());
        z.avail_in = static_cast<uInt>(chunk.size());
        const int flush = total < size ? Z_NO_FLUSH : Z_FINISH;
        int status;
        do {
            z.next_out = buffer;
            z.avail_out = sizeof buffer;
            status = deflate(&z, flush);
            std::fwrite(buffer, 1, sizeof buffer - z.avail_out, out);
        } while (z.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END));
        if (flush == Z_FINISH) break;
    }
    const std::uint64_t compressed = z.total_out;
    deflateEnd(&z);
    header.clear();
    header += "PK\3\4";
    xbuild::test::put(header, 20, 2);
    xbuild::test::put(header, 0, 2);
    xbuild::test::put(header, 8, 2);
    xbuild::test::put(header, 0, 4);
    xbuild::test::put(header, crc, 4);
    xbuild::test::put(header, compressed, 4);
    xbuild::test::put(header, total, 4);
    xbuild::test::put(header, name.size(), 2);
    xbuild::test::put(header, 0, 2);
    header += name;
    std::string directory = "PK\1\2";
    xbuild::test::put(directory, 3u << 8 | 20, 2);
    xbuild::test::put(directory, 20, 2);
    directory += header.substr(6, 24);   // flags .. extra length, as in the local header
    xbuild::test::put(directory, 0, 2);  // comment
    xbuild::test::put(directory, 0, 2);  // disk
    xbuild::test::put(directory, 0, 2);  // internal attributes
    xbuild::test::put(directory, 0100644u << 16, 4);
    xbuild::test::put(directory, 0, 4);  // the local header's offset
    directory += name;
    const std::uint64_t directory_offset = header.size() + compressed;
    std::string end = "PK\5\6";
    xbuild::test::put(end, 0, 4);
    xbuild::test::put(end, 1, 2);
    xbuild::test::put(end, 1, 2);
    xbuild::test::put(end, directory.size(), 4);
    xbuild::test::put(end, directory_offset, 4);
    xbuild::test::put(end, 0, 2);
    std::fwrite(directory.data(), 1, directory.size(), out);
    std::fwrite(end.data(), 1, end.size(), out);
    std::fseek(out, 0, SEEK_SET);
    std::fwrite(header.data(), 1, header.size(), out);
    REQUIRE(std::fclose(out) == 0);
    return total;
}

long peak_rss_kb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

}  // namespace

TEST_SUITE("zip_extract") {
    TEST_CASE("a zip written byte by byte: files extracted with their size, hash and mode") {
        Work work;
        RawZipEntry script{"pkg/run", "#!/bin/sh\n"};
        script.external = 0100755u << 16;
        RawZipEntry stored{"pkg/stored", "plain", false};
        RawZipEntry dir{"pkg/", ""};
        dir.external = 040755u << 16 | 0x10;
        RawZipEntry dos{"pkg/dos.txt", "made on FAT"};  // no Unix mode at all: a file
        dos.version_made_by = 20, dos.external = 0x20;
        const auto files = work.extract({dir, script, stored, dos});
        REQUIRE(files.size() == 3);
        CHECK(files[0].path == "pkg/run");
        CHECK(files[0].mode == 0755);
        CHECK(fs::read_file(files[0].file) == "#!/bin/sh\n");
        CHECK(files[0].size == 10);
        xbuild::hash::Sha256 hasher;
        hasher.update("#!/bin/sh\n");
        CHECK(files[0].sha256 == hasher.digest());
        CHECK(fs::read_file(files[1].file) == "plain");
        CHECK(files[1].mode == 0644);
        CHECK(files[2].mode == 0644);
        CHECK(files[0].file.parent_path() == work.dest / "1");
    }

    TEST_CASE("a zip bomb entry is refused by its compression ratio before anything is written") {
        Work work;
        InputLimits limits;
        limits.ratio_threshold = 1 << 20;
        const std::string zeros(4 << 20, '\0');  // deflates about 1000:1
        CHECK_THROWS_WITH_AS(work.extract({{"pkg/zeros", zeros}}, limits),
                             contains("h.zip: entry 'pkg/zeros' inflates "), Error);
        CHECK_THROWS_WITH_AS(
            work.extract({{"pkg/zeros", zeros}}, limits),
            contains("a compression ratio above the limit of 200:1 (XBUILD_MAX_COMPRESSION_RATIO)"), Error);
        CHECK(work.written() == 0);
        limits.max_compression_ratio = 2000;
        CHECK(work.extract({{"pkg/zeros", zeros}}, limits).size() == 1);
        // Below the threshold, any ratio passes: small files (sparse tables, padding) compress well.
        CHECK(work.extract({{"pkg/small", std::string(1 << 20, '\0')}}, {}).size() == 1);
    }

    TEST_CASE("the total of the declared sizes is bounded before anything is written") {
        Work work;
        InputLimits limits;
        limits.max_unpacked_size = 5000;
        const std::string data(3000, 'a');
        CHECK_THROWS_WITH_AS(
            work.extract({{"a", data}, {"b", data}}, limits),
            contains("entry 'b' makes more than 5000 bytes uncompressed (XBUILD_MAX_UNPACKED_SIZE)"), Error);
        CHECK(work.written() == 0);
    }

    TEST_CASE("an entry that inflates past its declared size is stopped at that size") {
        Work work;
        RawZipEntry lying{"pkg/lying", std::string(1 << 20, 'x')};
        lying.central_size = 1000;
        lying.local_size = 1000;
        CHECK_THROWS_WITH_AS(
            work.extract({lying}),
            contains("entry 'pkg/lying' is corrupt (it inflates to more than the 1000 bytes its "
                     "headers declare)"),
            Error);
        CHECK(work.written() <= 1000);
        RawZipEntry short_entry{"pkg/short", "abc"};
        short_entry.central_size = 10, short_entry.local_size = 10;
        CHECK_THROWS_WITH_AS(work.extract({short_entry}), contains("inflates to 3 bytes, not the 10"), Error);
    }

    TEST_CASE("CRC-32: wrong in the central directory only, or in both headers") {
        Work work;
        RawZipEntry central{"pkg/a.py", "print(1)\n"};
        central.central_crc = 0x12345678;
        CHECK_THROWS_WITH_AS(
            work.extract({central}),
            contains("entry 'pkg/a.py': its local header and the central directory disagree on the CRC-32"),
            Error);
        RawZipEntry both = central;
        both.local_crc = 0x12345678;
        CHECK_THROWS_WITH_AS(
            work.extract({both}),
            contains("entry 'pkg/a.py' is corrupt (its CRC-32 does not match the central directory)"), Error);
        // With a data descriptor the local header has no CRC: the data is checked against the central one.
        RawZipEntry described = central;
        described.flags = 8;
        described.local_crc = 0;
        CHECK_THROWS_WITH_AS(work.extract({described}), contains("its CRC-32 does not match"), Error);
    }

    TEST_CASE("local and central headers must agree") {
        Work work;
        RawZipEntry renamed{"pkg/a.py", "x"};
        renamed.local_name = "pkg/b.py";
        CHECK_THROWS_WITH_AS(work.extract({renamed}),
                             contains("entry 'pkg/a.py' has another name in its local header: 'pkg/b.py'"),
                             Error);
        RawZipEntry sized{"pkg/a.py", "x"};
        sized.local_size = 7;
        CHECK_THROWS_WITH_AS(work.extract({sized}), contains("disagree on the size"), Error);
        RawZipEntry flagged{"pkg/a.py", "x"};
        flagged.flags = 0x800;
        fs::write_file_atomic(work.zip, build_zip({flagged}));
        std::string zip = fs::read_file(work.zip);
        zip[7] = 0;  // the local header's flags: 0x800 there, 0 here
        fs::write_file_atomic(work.zip, zip);
        CHECK_THROWS_WITH_AS(extract_zip(work.zip, work.next_dest(), {}), contains("disagree on the flags"),
                             Error);
        CHECK(work.written() == 0);
    }

    TEST_CASE("only regular files and directories, whatever the zip says made it") {
        Work work;
        for (unsigned made_by : {3u << 8 | 20, 0u | 20, 11u << 8 | 20}) {  // Unix, FAT, NTFS
            CAPTURE(made_by);
            RawZipEntry fifo{"pkg/fifo", ""};
            fifo.version_made_by = made_by, fifo.external = 010644u << 16;
            CHECK_THROWS_WITH_AS(
                work.extract({fifo}),
                contains("entry 'pkg/fifo' is a fifo (mode 10644), not a regular file or a directory"),
                Error);
            RawZipEntry link{"pkg/link", "/etc/passwd"};
            link.version_made_by = made_by, link.external = 0120777u << 16;
            CHECK_THROWS_WITH_AS(work.extract({link}), contains("entry 'pkg/link' is a symlink"), Error);
            RawZipEntry device{"pkg/dev", ""};
            device.version_made_by = made_by, device.external = 0020644u << 16;
            CHECK_THROWS_WITH_AS(work.extract({device}), contains("is a character device"), Error);
        }
        RawZipEntry dir_file{"pkg/x", ""};
        dir_file.external = 040755u << 16;
        CHECK_THROWS_WITH_AS(work.extract({dir_file}),
                             contains("a directory by its mode but a file by its name"), Error);
        RawZipEntry data_dir{"pkg/", "data"};
        data_dir.external = 040755u << 16;
        CHECK_THROWS_WITH_AS(work.extract({data_dir}), contains("directory entry 'pkg' has 4 bytes of data"),
                             Error);
        CHECK(work.written() == 0);
    }

    TEST_CASE("names, duplicates, encryption, methods and overlapping entries") {
        Work work;
        CHECK_THROWS_WITH_AS(work.extract({{"../evil", "x"}}), contains("entry '../evil' escapes the wheel"),
                             Error);
        CHECK_THROWS_WITH_AS(work.extract({{"a", "1"}, {"a", "2"}}), contains("entry 'a' appears twice"),
                             Error);
        CHECK_THROWS_WITH_AS(work.extract({{"a", "1"}, {"a/b", "2"}}),
                             contains("entry 'a' is both a file and a directory"), Error);
        RawZipEntry encrypted{"a", "1"};
        encrypted.flags = 1;
        CHECK_THROWS_WITH_AS(work.extract({encrypted}), contains("entry 'a' is encrypted"), Error);
        fs::write_file_atomic(work.zip, build_zip({{"a", "1", false}}));
        std::string zip = fs::read_file(work.zip);
        for (size_t at : {std::size_t{8}, zip.find("PK\1\2") + 10}) zip[at] = 12;  // bzip2
        fs::write_file_atomic(work.zip, zip);
        CHECK_THROWS_WITH_AS(
            extract_zip(work.zip, work.next_dest(), {}),
            contains("entry 'a' uses compression method 12 (xbuild reads stored and deflate"), Error);
        // Two central entries that point at one local header: one deflate stream counted twice.
        fs::write_file_atomic(work.zip, build_zip({{"a", "same"}, {"a", "same"}}));
        zip = fs::read_file(work.zip);
        const size_t second = zip.rfind("PK\1\2");
        zip[second + 46] = 'b';                                // its name: "b"
        for (int i = 0; i < 4; ++i) zip[second + 42 + i] = 0;  // its local header: the first one
        fs::write_file_atomic(work.zip, zip);
        CHECK_THROWS_AS(extract_zip(work.zip, work.next_dest(), {}), Error);
        CHECK(work.written() == 0);
    }

    TEST_CASE("truncated and corrupt deflate data") {
        Work work;
        fs::write_file_atomic(work.zip, build_zip({{"a", std::string(10000, 'q') + "tail"}}));
        std::string zip = fs::read_file(work.zip);
        zip[30 + 1 + 3] = static_cast<char>(zip[34] ^ 0x5a);
        fs::write_file_atomic(work.zip, zip);
        CHECK_THROWS_WITH_AS(extract_zip(work.zip, work.next_dest(), {}), contains("entry 'a' is corrupt"),
                             Error);
    }

    TEST_CASE("a large entry is streamed: memory does not grow with it") {
        Work work;
        const std::size_t size = write_big_zip(work.zip, 48 << 20);
        const long before = peak_rss_kb();
        const auto files = extract_zip(work.zip, work.next_dest(), {});
        CHECK(files.at(0).size == size);
        CHECK(stdfs::file_size(files.at(0).file) == size);
        CHECK(peak_rss_kb() - before < 8 * 1024);  // KiB: chunks, never the 48 MB
    }
}
