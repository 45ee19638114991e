#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <utime.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/layer.hpp"
#include "test_support.hpp"

// Not `using namespace xbuild`: `archive` would then name both xbuild::archive and libarchive's type.
using namespace xbuild::oci;
using xbuild::Error;
using xbuild::test::contains;
namespace fs = xbuild::fs;
namespace stdfs = std::filesystem;

namespace {

struct TarEntry {
    std::string path;
    unsigned type = 0;  // AE_IFREG, AE_IFDIR, AE_IFLNK; 0 for a hardlink
    unsigned mode = 0;
    long long uid = -1, gid = -1;
    std::string uname, gname;
    long long mtime = -1;
    bool has_atime = false, has_ctime = false;
    std::string link;  // symlink target or hardlink target
    std::string data;
};

// Reads a layer blob back with libarchive (gzip and tar).
std::vector<TarEntry> read_layer(const stdfs::path& blob) {
    xbuild::archive::Utf8Locale locale;  // names in pax headers are UTF-8
    xbuild::archive::ReadArchive reader(archive_read_new());
    archive_read_support_format_tar(reader.get());
    archive_read_support_filter_gzip(reader.get());
    REQUIRE(archive_read_open_filename(reader.get(), blob.c_str(), 65536) == ARCHIVE_OK);
    std::vector<TarEntry> entries;
    archive_entry* entry = nullptr;
    for (int status; (status = archive_read_next_header(reader.get(), &entry)) != ARCHIVE_EOF;) {
        REQUIRE(status == ARCHIVE_OK);
        TarEntry out;
        out.path = archive_entry_pathname(entry);
        out.type = archive_entry_filetype(entry);
        out.mode = archive_entry_perm(entry);
        out.uid = archive_entry_uid(entry);
        out.gid = archive_entry_gid(entry);
        out.uname = archive_entry_uname(entry) ? archive_entry_uname(entry) : "";
        out.gname = archive_entry_gname(entry) ? archive_entry_gname(entry) : "";
        out.mtime = archive_entry_mtime(entry);
        out.has_atime = archive_entry_atime_is_set(entry);
        out.has_ctime = archive_entry_ctime_is_set(entry);
        if (const char* target = archive_entry_symlink(entry)) out.link = target;
        if (const char* target = archive_entry_hardlink(entry)) out.link = target;
        char buffer[4096];
        for (la_ssize_t n; (n = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0;)
            out.data.append(buffer, static_cast<size_t>(n));
        entries.push_back(out);
    }
    return entries;
}

// The uncompressed tar of a gzip blob.
std::string gunzip(const stdfs::path& blob) {
    xbuild::archive::ReadArchive reader(archive_read_new());
    archive_read_support_format_raw(reader.get());
    archive_read_support_filter_gzip(reader.get());
    REQUIRE(archive_read_open_filename(reader.get(), blob.c_str(), 65536) == ARCHIVE_OK);
    archive_entry* entry = nullptr;
    REQUIRE(archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK);
    std::string out;
    char buffer[65536];
    for (la_ssize_t n; (n = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0;)
        out.append(buffer, static_cast<size_t>(n));
    return out;
}

// A tree with every kind of entry a layer holds, made with odd modes, owners and times.
void make_tree(const stdfs::path& root) {
    fs::make_dirs(root / "usr/bin");
    fs::make_dirs(root / "usr/lib/empty");
    fs::make_dirs(root / "tmp");
    fs::write_file_atomic(root / "usr/bin/tool", "#!/bin/sh\necho tool\n", 0755);
    ::chmod((root / "usr/bin/tool").c_str(), 04755);
    fs::write_file_atomic(root / "usr/lib/data.txt", std::string(200000, 'd'), 0600);
    fs::write_file_atomic(root / "usr/lib/z", "", 0644);
    fs::write_file_atomic(root / "usr.txt", "sorts between usr and usr/", 0644);
    ::link((root / "usr/bin/tool").c_str(), (root / "usr/bin/tool-hardlink").c_str());
    ::link((root / "usr/bin/tool").c_str(), (root / "a-first-name").c_str());
    stdfs::create_symlink("../lib/data.txt", root / "usr/bin/data-link");
    stdfs::create_symlink("/nonexistent/absolute", root / "dangling");
    ::chmod((root / "tmp").c_str(), 01777);
    const std::string long_name(120, 'n');
    fs::make_dirs(root / long_name / long_name);
    fs::write_file_atomic(root / long_name / long_name / "d\xc3\xa9j\xc3\xa0", "unicode", 0644);
}

std::vector<std::string> paths_of(const std::vector<TarEntry>& entries) {
    std::vector<std::string> paths;
    for (const TarEntry& entry : entries) paths.push_back(entry.path);
    return paths;
}

}  // namespace

TEST_SUITE("oci layer") {
    TEST_CASE("two runs give identical bytes and digests; the diff_id is the tar's digest") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-layer-");
        make_tree(dir.path() / "root");
        BlobStore store(dir.path() / "store");
        const Layer first = write_layer(dir.path() / "root", store);
        const std::string first_bytes = fs::read_file(store.path_of(first.blob.digest));
        ::chmod(store.path_of(first.blob.digest).c_str(), 0644);
        stdfs::remove(store.path_of(first.blob.digest));
        const Layer second = write_layer(dir.path() / "root", store);
        CHECK(second.diff_id == first.diff_id);
        CHECK(second.blob == first.blob);
        CHECK(fs::read_file(store.path_of(second.blob.digest)) == first_bytes);

        CHECK(first.blob.media_type == media_type::layer_tar_gzip);
        CHECK(first.blob.digest == sha256_digest(first_bytes));
        CHECK(first.blob.size == first_bytes.size());
        const std::string tar = gunzip(store.path_of(first.blob.digest));
        CHECK(first.diff_id == sha256_digest(tar));
        CHECK(first.tar_size == tar.size());
        CHECK(tar.size() % 10240 == 0);
        // gzip header: deflate, no flags (no file name), mtime 0, Unix
        REQUIRE(first_bytes.size() > 10);
        CHECK(first_bytes.substr(0, 8) == std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
        CHECK(first_bytes[9] == '\x03');
        // nothing but the blob is left in the store
        int files = 0;
        for ([[maybe_unused]] const auto& entry :
             stdfs::directory_iterator(dir.path() / "store/blobs/sha256"))
            ++files;
        CHECK(files == 1);
    }

    TEST_CASE("entries: canonical order, owner root, fixed mtime, modes, links") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-layer-");
        make_tree(dir.path() / "root");
        BlobStore store(dir.path() / "store");
        const Layer layer = write_layer(dir.path() / "root", store, {1234567890, 6});
        const std::vector<TarEntry> entries = read_layer(store.path_of(layer.blob.digest));
        const std::string long_name(120, 'n');
        const std::vector<std::string> expected = {
            "a-first-name",
            "dangling",
            long_name + "/",
            long_name + "/" + long_name + "/",
            long_name + "/" + long_name + "/d\xc3\xa9j\xc3\xa0",
            "tmp/",
            "usr/",
            "usr.txt",
            "usr/bin/",
            "usr/bin/data-link",
            "usr/bin/tool",
            "usr/bin/tool-hardlink",
            "usr/lib/",
            "usr/lib/data.txt",
            "usr/lib/empty/",
            "usr/lib/z",
        };
        CHECK(paths_of(entries) == expected);
        CHECK(layer.entry_count == expected.size());
        for (const TarEntry& entry : entries) {
            CAPTURE(entry.path);
            CHECK(entry.uid == 0);
            CHECK(entry.gid == 0);
            CHECK(entry.uname.empty());
            CHECK(entry.gname.empty());
            CHECK(entry.mtime == 1234567890);
            CHECK_FALSE(entry.has_atime);
            CHECK_FALSE(entry.has_ctime);
            CHECK(entry.path.front() != '/');
            CHECK_FALSE(entry.path.starts_with("./"));
        }
        auto find = [&](const std::string& path) {
            for (const TarEntry& entry : entries)
                if (entry.path == path) return entry;
            FAIL("no entry " << path);
            return TarEntry{};
        };
        // The first name of the inode in the canonical order holds the data; the others are hardlinks to it.
        CHECK(find("a-first-name").type == AE_IFREG);
        CHECK(find("a-first-name").mode == 04755);
        CHECK(find("a-first-name").data == "#!/bin/sh\necho tool\n");
        CHECK(find("usr/bin/tool").link == "a-first-name");
        CHECK(find("usr/bin/tool-hardlink").link == "a-first-name");
        CHECK(find("usr/bin/tool").mode == 04755);
        CHECK(find("usr/bin/data-link").type == AE_IFLNK);
        CHECK(find("usr/bin/data-link").link == "../lib/data.txt");
        CHECK(find("dangling").link == "/nonexistent/absolute");
        CHECK(find("tmp/").type == AE_IFDIR);
        CHECK(find("tmp/").mode == 01777);
        CHECK(find("usr/lib/data.txt").mode == 0600);
        CHECK(find("usr/lib/data.txt").data == std::string(200000, 'd'));
        CHECK(find("usr/lib/z").data.empty());
        CHECK(find(long_name + "/" + long_name + "/d\xc3\xa9j\xc3\xa0").data == "unicode");
    }

    TEST_CASE("owners, times and the order of creation do not change the layer; mtime and level do") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-layer-");
        BlobStore store(dir.path() / "store");
        fs::make_dirs(dir.path() / "a/x");
        fs::write_file_atomic(dir.path() / "a/x/2", "two");
        fs::write_file_atomic(dir.path() / "a/x/1", "one");
        fs::make_dirs(dir.path() / "b/x");
        fs::write_file_atomic(dir.path() / "b/x/1", "one");
        fs::write_file_atomic(dir.path() / "b/x/2", "two");
        struct utimbuf old_time {
            1000, 1000
        };
        ::utime((dir.path() / "b/x/1").c_str(), &old_time);
        if (::geteuid() == 0) ::lchown((dir.path() / "b/x/2").c_str(), 1234, 5678);
        const Layer a = write_layer(dir.path() / "a", store);
        const Layer b = write_layer(dir.path() / "b", store);
        CHECK(a.diff_id == b.diff_id);
        CHECK(a.blob == b.blob);
        const Layer later = write_layer(dir.path() / "a", store, {1700000000, 6});
        CHECK(later.diff_id != a.diff_id);
        const Layer fast = write_layer(dir.path() / "a", store, {0, 1});
        CHECK(fast.diff_id == a.diff_id);
        const Layer same_tree = write_layer(dir.path() / "a/x/..", store);  // another path to it
        CHECK(same_tree.diff_id == a.diff_id);
    }

    TEST_CASE("fifos, sockets and bad options are refused, and nothing is stored") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-layer-");
        BlobStore store(dir.path() / "store");
        fs::make_dirs(dir.path() / "root/sub");
        fs::write_file_atomic(dir.path() / "root/file", "x");
        REQUIRE(::mkfifo((dir.path() / "root/sub/pipe").c_str(), 0644) == 0);
        CHECK_THROWS_WITH_AS(
            write_layer(dir.path() / "root", store),
            contains((dir.path() / "root").string() +
                     ": 'sub/pipe' is a fifo; a layer holds only files, directories and symlinks"),
            Error);
        ::unlink((dir.path() / "root/sub/pipe").c_str());

        int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string socket_path = (dir.path() / "root/sock").string();
        REQUIRE(socket_path.size() < sizeof address.sun_path);
        std::copy(socket_path.begin(), socket_path.end(), address.sun_path);
        REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        ::close(sock);
        CHECK_THROWS_WITH_AS(write_layer(dir.path() / "root", store), contains("'sock' is a socket"), Error);
        ::unlink(socket_path.c_str());

        CHECK_THROWS_WITH_AS(write_layer(dir.path() / "root", store, {0, 0}), contains("gzip level 0"),
                             Error);
        CHECK_THROWS_WITH_AS(write_layer(dir.path() / "root", store, {-1, 6}), contains("negative mtime"),
                             Error);
        CHECK_THROWS_WITH_AS(write_layer(dir.path() / "missing", store),
                             contains("cannot open the layer directory " + (dir.path() / "missing").string()),
                             Error);
        int files = 0;
        for ([[maybe_unused]] const auto& entry :
             stdfs::directory_iterator(dir.path() / "store/blobs/sha256"))
            ++files;
        CHECK(files == 0);
    }

    TEST_CASE("names that are not UTF-8 are refused") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-layer-");
        BlobStore store(dir.path() / "store");
        fs::make_dirs(dir.path() / "root");
        fs::write_file_atomic(dir.path() / "root/bad\xff", "x");
        CHECK_THROWS_WITH_AS(write_layer(dir.path() / "root", store), contains("cannot add 'bad\xff'"),
                             Error);
    }

    TEST_CASE("an empty tree is an empty tar") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-layer-");
        BlobStore store(dir.path() / "store");
        fs::make_dirs(dir.path() / "root");
        const Layer layer = write_layer(dir.path() / "root", store);
        CHECK(layer.entry_count == 0);
        CHECK(layer.tar_size == 10240);
        CHECK(layer.diff_id == sha256_digest(std::string(10240, '\0')));
        CHECK(read_layer(store.path_of(layer.blob.digest)).empty());
    }
}
