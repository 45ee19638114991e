#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/blob_store.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::oci;
using test::contains;
namespace stdfs = std::filesystem;

namespace {

// The names in dir, sorted.
std::vector<std::string> names_in(const stdfs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : stdfs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

unsigned mode_of(const stdfs::path& path) {
    struct stat st;
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_SUITE("oci blob_store") {
    TEST_CASE("put stores bytes under their digest, read-only, once") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-store-");
        BlobStore store(dir.path());
        const Descriptor blob = store.put("application/octet-stream", "hello");
        CHECK(blob.media_type == "application/octet-stream");
        CHECK(blob.digest == "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        CHECK(blob.size == 5);
        CHECK(store.path_of(blob.digest) ==
              dir.path() / "blobs/sha256/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        CHECK(fs::read_file(store.path_of(blob.digest)) == "hello");
        CHECK(mode_of(store.path_of(blob.digest)) == 0444);
        CHECK(store.has(blob.digest));
        CHECK(store.read(blob.digest) == "hello");
        CHECK(store.put("other/type", "hello").digest == blob.digest);
        CHECK(names_in(dir.path() / "blobs/sha256") ==
              std::vector<std::string>{std::string(digest_hex(blob.digest))});
        CHECK_FALSE(store.has("sha256:" + std::string(64, '0')));
        store.check_present(blob);
    }

    TEST_CASE("put_file copies or moves a file in, streamed") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-store-");
        BlobStore store(dir.path() / "store");
        const std::string big(3 << 20, 'x');
        fs::write_file_atomic(dir.path() / "big", big);
        const Descriptor copied = store.put_file("a/b", dir.path() / "big");
        CHECK(copied.digest == sha256_digest(big));
        CHECK(copied.size == big.size());
        CHECK(stdfs::exists(dir.path() / "big"));
        fs::write_file_atomic(dir.path() / "small", "moved");
        const Descriptor moved = store.put_file("a/b", dir.path() / "small", BlobStore::Transfer::move);
        CHECK(moved.digest == sha256_digest("moved"));
        CHECK_FALSE(stdfs::exists(dir.path() / "small"));
        CHECK(store.read(moved.digest) == "moved");
        CHECK(mode_of(store.path_of(moved.digest)) == 0444);
        fs::write_file_atomic(dir.path() / "again", "moved");  // stored already: the source goes
        CHECK(store.put_file("a/b", dir.path() / "again", BlobStore::Transfer::move) == moved);
        CHECK_FALSE(stdfs::exists(dir.path() / "again"));
        CHECK_THROWS_WITH_AS(store.put_file("a/b", dir.path() / "missing"), contains("missing"), Error);
        stdfs::create_symlink(dir.path() / "big", dir.path() / "link");
        CHECK_THROWS_WITH_AS(store.put_file("a/b", dir.path() / "link", BlobStore::Transfer::move),
                             contains("failed to open " + (dir.path() / "link").string()), Error);
        CHECK(stdfs::is_symlink(dir.path() / "link"));
        CHECK(store.put_file("a/b", dir.path() / "link") == copied);  // a copy reads through it
        CHECK_THROWS_WITH_AS(store.put_file("a/b", dir.path()), contains("is not a regular file"), Error);
    }

    TEST_CASE("a BlobWriter streams, and leaves nothing when not committed") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-store-");
        BlobStore store(dir.path());
        {
            BlobWriter writer(store);
            writer.write("abandoned");
            CHECK(names_in(dir.path() / "blobs/sha256").size() == 1);  // the temporary file
        }
        CHECK(names_in(dir.path() / "blobs/sha256").empty());
        BlobWriter writer(store);
        writer.write("ab");
        writer.write("c");
        CHECK(writer.size() == 3);
        const Descriptor blob = writer.commit("x/y");
        CHECK(blob.digest == sha256_digest("abc"));
        CHECK_THROWS_AS(writer.write("more"), Error);
        CHECK(names_in(dir.path() / "blobs/sha256") ==
              std::vector<std::string>{std::string(digest_hex(blob.digest))});
    }

    TEST_CASE("invalid digests never become paths; corrupt and missing blobs are errors") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-oci-store-");
        BlobStore store(dir.path());
        CHECK_THROWS_WITH_AS(store.path_of("sha256:../../../etc/passwd"), contains("invalid digest"), Error);
        CHECK_THROWS_WITH_AS(store.has("sha256:ABC"), contains("invalid digest"), Error);
        const std::string missing = "sha256:" + std::string(64, '1');
        CHECK_THROWS_WITH_AS(store.read(missing), contains("blob " + missing + " is missing"), Error);
        CHECK_THROWS_WITH_AS(store.check_present(Descriptor{"a/b", missing, 1}), contains("is missing"),
                             Error);

        const Descriptor blob = store.put("a/b", "original");
        const stdfs::path path = store.path_of(blob.digest);
        ::chmod(path.c_str(), 0644);
        fs::write_file_atomic(path, "tampered");
        CHECK_THROWS_WITH_AS(store.read(blob.digest), contains("does not match its digest"), Error);
        fs::write_file_atomic(path, "short");
        CHECK_THROWS_WITH_AS(store.check_present(blob), contains("has 5 bytes, its descriptor says 8"),
                             Error);
        CHECK_THROWS_WITH_AS(store.read(blob.digest, 4), contains("larger than 4 bytes"), Error);
        // put repairs a blob whose size is wrong
        CHECK(store.put("a/b", "original") == blob);
        CHECK(store.read(blob.digest) == "original");
    }
}
