#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/oci/image.hpp"
#include "image/oci/layer.hpp"
#include "image/oci/output.hpp"
#include "test_support.hpp"

// Not `using namespace xbuild`: `archive` would then name both xbuild::archive and libarchive's type.
using namespace xbuild::oci;
using nlohmann::json;
using xbuild::Error;
using xbuild::test::contains;
namespace fs = xbuild::fs;
namespace stdfs = std::filesystem;

namespace {

// A two-platform image in a store, plus a blob that the image does not reach.
struct Fixture {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-oci-output-"};
    BlobStore store{dir.path() / "store"};
    Descriptor amd64, arm64, index, unrelated;

    Fixture() {
        for (const char* arch : {"amd64", "arm64"}) {
            const stdfs::path tree = dir.path() / "tree" / arch;
            fs::make_dirs(tree / "bin");
            fs::write_file_atomic(tree / "bin/hello", std::string("binary for ") + arch, 0755);
            const Layer layer = write_layer(tree, store);
            ImageConfig config;
            config.platform = Platform{"linux", arch, std::string(arch) == "arm64" ? "v8" : ""};
            config.entrypoint = {"/bin/hello"};
            config.diff_ids = {layer.diff_id};
            (std::string(arch) == "amd64" ? amd64 : arm64) = put_image(store, config, {layer.blob});
        }
        index = put_index(store, {amd64, arm64});
        unrelated = store.put("application/octet-stream", "not part of the image");
    }

    std::vector<std::string> entries_of(const stdfs::path& path) const {
        std::vector<std::string> names;
        for (const auto& entry : stdfs::directory_iterator(path))
            names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    // Every blob name the root reaches, sorted.
    std::vector<std::string> reachable(const Descriptor& root) const {
        std::vector<std::string> names = {std::string(digest_hex(root.digest))};
        auto add_manifest = [&](const Descriptor& manifest) {
            names.push_back(std::string(digest_hex(manifest.digest)));
            const json value = json::parse(store.read(manifest.digest));
            names.push_back(std::string(digest_hex(value["config"]["digest"].get<std::string>())));
            for (const json& layer : value["layers"])
                names.push_back(std::string(digest_hex(layer["digest"].get<std::string>())));
        };
        if (root == index) {
            add_manifest(amd64);
            add_manifest(arm64);
        } else {
            names.clear();
            add_manifest(root);
        }
        std::sort(names.begin(), names.end());
        return names;
    }
};

struct ArchiveEntry {
    std::string path;
    unsigned mode;
    long long uid, gid, mtime;
    std::string data;
};

std::vector<ArchiveEntry> read_tar(const stdfs::path& file) {
    xbuild::archive::Utf8Locale locale;  // names in pax headers are UTF-8
    xbuild::archive::ReadArchive reader(archive_read_new());
    archive_read_support_format_tar(reader.get());
    REQUIRE(archive_read_open_filename(reader.get(), file.c_str(), 65536) == ARCHIVE_OK);
    std::vector<ArchiveEntry> entries;
    archive_entry* entry = nullptr;
    for (int status; (status = archive_read_next_header(reader.get(), &entry)) != ARCHIVE_EOF;) {
        REQUIRE(status == ARCHIVE_OK);
        ArchiveEntry out{archive_entry_pathname(entry), archive_entry_perm(entry),  archive_entry_uid(entry),
                         archive_entry_gid(entry),      archive_entry_mtime(entry), {}};
        char buffer[4096];
        for (la_ssize_t n; (n = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0;)
            out.data.append(buffer, static_cast<size_t>(n));
        entries.push_back(out);
    }
    return entries;
}

}  // namespace

TEST_SUITE("oci output") {
    TEST_CASE("an OCI image layout of a multi-platform image") {
        Fixture fixture;
        const stdfs::path layout = fixture.dir.path() / "out" / "layout";
        fs::make_dirs(layout.parent_path());
        write_oci_layout(fixture.store, fixture.index, layout, "app:1");
        CHECK(fixture.entries_of(layout) == std::vector<std::string>{"blobs", "index.json", "oci-layout"});
        CHECK(fs::read_file(layout / "oci-layout") == R"({"imageLayoutVersion":"1.0.0"})");
        CHECK(fs::read_file(layout / "index.json") ==
              R"({"manifests":[{"annotations":{"org.opencontainers.image.ref.name":"app:1"},"digest":")" +
                  fixture.index.digest +
                  R"(","mediaType":"application/vnd.oci.image.index.v1+json","size":)" +
                  std::to_string(fixture.index.size) +
                  R"(}],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2})");
        CHECK(fixture.entries_of(layout / "blobs/sha256") == fixture.reachable(fixture.index));
        CHECK(fixture.entries_of(layout.parent_path()) == std::vector<std::string>{"layout"});
        struct stat st;
        REQUIRE(::stat(layout.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0755);
        for (const std::string& name : fixture.entries_of(layout / "blobs/sha256"))
            CHECK(fs::read_file(layout / "blobs/sha256" / name) ==
                  fs::read_file(fixture.store.dir() / "blobs/sha256" / name));
    }

    TEST_CASE("a layout replaces an earlier layout or an empty directory, nothing else") {
        Fixture fixture;
        const stdfs::path layout = fixture.dir.path() / "layout";
        write_oci_layout(fixture.store, fixture.index, layout, "app:1");
        write_oci_layout(fixture.store, fixture.amd64, layout, "app:2");
        CHECK(fs::read_file(layout / "index.json").find("\"app:2\"") != std::string::npos);
        CHECK(fixture.entries_of(layout / "blobs/sha256") == fixture.reachable(fixture.amd64));

        fs::make_dirs(fixture.dir.path() / "empty");
        write_oci_layout(fixture.store, fixture.amd64, fixture.dir.path() / "empty", "x");
        CHECK(stdfs::exists(fixture.dir.path() / "empty/oci-layout"));

        fs::make_dirs(fixture.dir.path() / "precious");
        fs::write_file_atomic(fixture.dir.path() / "precious/thesis.tex", "years of work");
        CHECK_THROWS_WITH_AS(
            write_oci_layout(fixture.store, fixture.amd64, fixture.dir.path() / "precious", "x"),
            contains("precious exists and is not an OCI image layout"), Error);
        CHECK(fs::read_file(fixture.dir.path() / "precious/thesis.tex") == "years of work");

        stdfs::create_directory_symlink(layout, fixture.dir.path() / "link");
        CHECK_THROWS_WITH_AS(write_oci_layout(fixture.store, fixture.amd64, fixture.dir.path() / "link", "x"),
                             contains("is a symlink; not writing an image layout through it"), Error);
        fs::write_file_atomic(fixture.dir.path() / "file", "x");
        CHECK_THROWS_WITH_AS(write_oci_layout(fixture.store, fixture.amd64, fixture.dir.path() / "file", "x"),
                             contains("exists and is not a directory"), Error);
        CHECK_THROWS_WITH_AS(write_oci_layout(fixture.store, fixture.amd64, layout, "bad ref"),
                             contains("invalid image ref name 'bad ref'"), Error);
    }

    TEST_CASE("a failed write leaves no output and no temporary files") {
        Fixture fixture;
        const stdfs::path out = fixture.dir.path() / "out";
        fs::make_dirs(out);
        const Descriptor missing{std::string(media_type::image_manifest), "sha256:" + std::string(64, '0'),
                                 10};
        CHECK_THROWS_WITH_AS(write_oci_layout(fixture.store, missing, out / "layout", "a"),
                             contains("is missing"), Error);
        CHECK_THROWS_AS(write_oci_archive(fixture.store, missing, out / "a.tar", "a"), Error);
        CHECK_THROWS_AS(write_docker_archive(fixture.store, missing, out / "d.tar", "a"), Error);
        // A layer that lost bytes is found while the output is written.
        const json manifest = json::parse(fixture.store.read(fixture.amd64.digest));
        const stdfs::path layer = fixture.store.path_of(manifest["layers"][0]["digest"].get<std::string>());
        ::chmod(layer.c_str(), 0644);
        fs::write_file_atomic(layer, "truncated");
        CHECK_THROWS_WITH_AS(write_oci_archive(fixture.store, fixture.amd64, out / "a.tar", "a"),
                             contains("its descriptor says"), Error);
        CHECK_THROWS_AS(write_oci_layout(fixture.store, fixture.amd64, out / "layout", "a"), Error);
        CHECK(fixture.entries_of(out).empty());
    }

    TEST_CASE("an oci-archive: the layout as a reproducible tar") {
        Fixture fixture;
        const stdfs::path first = fixture.dir.path() / "first.tar",
                          second = fixture.dir.path() / "second.tar";
        write_oci_archive(fixture.store, fixture.index, first, "app:1", 1700000000);
        write_oci_archive(fixture.store, fixture.index, second, "app:1", 1700000000);
        CHECK(fs::read_file(first) == fs::read_file(second));
        write_oci_archive(fixture.store, fixture.index, second, "app:1");  // replaced in place
        CHECK(fs::read_file(first) != fs::read_file(second));

        const std::vector<ArchiveEntry> entries = read_tar(first);
        std::vector<std::string> names, expected = {"blobs/", "blobs/sha256/"};
        for (const std::string& blob : fixture.reachable(fixture.index))
            expected.push_back("blobs/sha256/" + blob);
        expected.push_back("index.json");
        expected.push_back("oci-layout");
        for (const ArchiveEntry& entry : entries) {
            names.push_back(entry.path);
            CHECK(entry.uid == 0);
            CHECK(entry.gid == 0);
            CHECK(entry.mtime == 1700000000);
        }
        CHECK(names == expected);
        write_oci_layout(fixture.store, fixture.index, fixture.dir.path() / "layout", "app:1");
        CHECK(entries[entries.size() - 2].data == fs::read_file(fixture.dir.path() / "layout/index.json"));
        CHECK(entries.back().data == R"({"imageLayoutVersion":"1.0.0"})");
        CHECK(entries.back().mode == 0644);
    }

    TEST_CASE("a docker-archive of one image") {
        Fixture fixture;
        const stdfs::path file = fixture.dir.path() / "docker.tar";
        write_docker_archive(fixture.store, fixture.arm64, file, "app", 5);
        const std::vector<ArchiveEntry> entries = read_tar(file);
        REQUIRE(entries.size() == 5);  // blobs/, blobs/sha256/, config, layer, manifest.json
        CHECK(entries.back().path == "manifest.json");
        const json manifest = json::parse(fixture.store.read(fixture.arm64.digest));
        const std::string config =
            "blobs/sha256/" + std::string(digest_hex(manifest["config"]["digest"].get<std::string>()));
        const std::string layer =
            "blobs/sha256/" + std::string(digest_hex(manifest["layers"][0]["digest"].get<std::string>()));
        CHECK(entries.back().data ==
              R"([{"Config":")" + config + R"(","Layers":[")" + layer + R"("],"RepoTags":["app:latest"]}])");
        for (const ArchiveEntry& entry : entries) CHECK(entry.mtime == 5);

        write_docker_archive(fixture.store, fixture.arm64, file, "127.0.0.1:5000/ns/app:2");
        CHECK(read_tar(file).back().data.find(R"("RepoTags":["127.0.0.1:5000/ns/app:2"])") !=
              std::string::npos);
        CHECK_THROWS_WITH_AS(write_docker_archive(fixture.store, fixture.index, file, "app:1"),
                             contains("multi-platform index; select a platform first"), Error);
        CHECK_THROWS_WITH_AS(write_docker_archive(fixture.store, fixture.arm64, file, "App:1"),
                             contains("invalid image reference 'App:1'"), Error);
        CHECK_THROWS_WITH_AS(
            write_docker_archive(fixture.store, fixture.arm64, file, "app@sha256:" + std::string(64, 'a')),
            contains("must not name a digest"), Error);
        fs::make_dirs(fixture.dir.path() / "a-directory");
        CHECK_THROWS_WITH_AS(
            write_docker_archive(fixture.store, fixture.arm64, fixture.dir.path() / "a-directory", "app"),
            contains("a-directory is a directory"), Error);
    }
}
