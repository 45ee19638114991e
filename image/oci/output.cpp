#include "image/oci/output.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/core/atomic_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"
#include "image/oci/manifest.hpp"
#include "image/oci/reference.hpp"
#include "image/oci/tar_writer.hpp"

namespace xbuild::oci {

namespace stdfs = std::filesystem;
using nlohmann::json;
using text::printable;

namespace {

constexpr std::string_view k_ref_name = "org.opencontainers.image.ref.name";
constexpr std::string_view k_oci_layout = R"({"imageLayoutVersion":"1.0.0"})";

// The image-spec's set for ref names: letters, digits and -._:@/+ (as skopeo and umoci accept them).
void check_ref_name(std::string_view ref) {
    auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("-._:@/+").find(c) != std::string_view::npos;
    };
    if (ref.empty() || ref.size() > 255 || !std::all_of(ref.begin(), ref.end(), allowed))
        fail("invalid image ref name '{}' (1 to 255 of letters, digits and -._:@/+)", printable(ref));
}

std::string layout_index(const Descriptor& root, std::string_view ref,
                         const std::vector<Descriptor>& attached = {}) {
    Descriptor entry = root;
    entry.annotations[std::string(k_ref_name)] = std::string(ref);
    json manifests = json::array({to_json(entry)});
    for (const Descriptor& artifact : attached) manifests.push_back(to_json(artifact));
    json index = {{"schemaVersion", 2}, {"mediaType", media_type::image_index}, {"manifests", manifests}};
    return canonical_dump(index, "index.json");
}

// Every blob the roots reach (configs, layers, manifests, indexes), once each, by digest.
std::vector<Descriptor> reachable_blobs(const BlobStore& store, const Descriptor& root,
                                        const std::vector<Descriptor>& attached = {}) {
    std::vector<Descriptor> roots{root}, all;
    roots.insert(roots.end(), attached.begin(), attached.end());
    for (const Descriptor& start : roots) {
        Content content = collect_content(store, start);
        all.insert(all.end(), content.blobs.begin(), content.blobs.end());
        all.insert(all.end(), content.manifests.begin(), content.manifests.end());
    }
    std::sort(all.begin(), all.end(),
              [](const Descriptor& a, const Descriptor& b) { return a.digest < b.digest; });
    all.erase(std::unique(all.begin(), all.end(),
                          [](const Descriptor& a, const Descriptor& b) { return a.digest == b.digest; }),
              all.end());
    return all;
}

// True when dir exists (and may be replaced), false when it does not exist.
bool check_layout_destination(const stdfs::path& dir) {
    struct stat st;
    if (::lstat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        fail("cannot write the image layout {}: {}", dir.string(), errno_text(errno));
    }
    if (S_ISLNK(st.st_mode)) fail("{} is a symlink; not writing an image layout through it", dir.string());
    if (!S_ISDIR(st.st_mode)) fail("{} exists and is not a directory", dir.string());
    struct stat marker;
    if (::lstat((dir / "oci-layout").c_str(), &marker) == 0 && S_ISREG(marker.st_mode)) return true;
    std::error_code error;
    if (stdfs::is_empty(dir, error) && !error) return true;
    fail("{} exists and is not an OCI image layout (no oci-layout file); not replacing it", dir.string());
}

void link_or_copy(const stdfs::path& from, const stdfs::path& to) {
    if (::link(from.c_str(), to.c_str()) == 0) return;
    if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != EACCES)
        fail("failed to link {} to {}: {}", from.string(), to.string(), errno_text(errno));
    std::error_code error;
    stdfs::copy_file(from, to, stdfs::copy_options::none, error);
    if (error) fail("failed to copy {} to {}: {}", from.string(), to.string(), error.message());
}

// Moves the complete layout in temp to dir, replacing what is there in one step when the file system
// can exchange the two names (the old layout then sits in temp and goes with it).
void install_directory(fs::TempDir& temp, const stdfs::path& dir, bool replace) {
    if (!replace) {
        if (::rename(temp.path().c_str(), dir.c_str()) != 0)
            fail("failed to rename {} to {}: {}", temp.path().string(), dir.string(), errno_text(errno));
        temp.release();
        return;
    }
    if (::renameat2(AT_FDCWD, temp.path().c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) return;
    if (errno != EINVAL && errno != ENOSYS)
        fail("failed to replace {} with {}: {}", dir.string(), temp.path().string(), errno_text(errno));
    // No exchange here: the old layout is renamed onto an empty directory, then the new one into place.
    fs::TempDir old(dir.parent_path(), dir.filename().string() + ".old-");
    if (::rename(dir.c_str(), old.path().c_str()) != 0)
        fail("failed to move {} aside: {}", dir.string(), errno_text(errno));
    if (::rename(temp.path().c_str(), dir.c_str()) != 0) {
        int saved = errno;
        ::rename(old.path().c_str(), dir.c_str());
        fail("failed to rename {} to {}: {}", temp.path().string(), dir.string(), errno_text(saved));
    }
    temp.release();
}

// Opens a stored blob for streaming, checked to be a regular file of the descriptor's size.
Fd open_blob(const BlobStore& store, const Descriptor& blob) {
    const stdfs::path path = store.path_of(blob.digest);
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0) fail("failed to open {}: {}", path.string(), errno_text(errno));
    if (!S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) != blob.size)
        fail("blob store {}: blob {} has {} bytes, its descriptor says {}", store.dir().string(), blob.digest,
             st.st_size, blob.size);
    return fd;
}

void add_blobs(TarWriter& tar, const BlobStore& store, const std::vector<Descriptor>& blobs) {
    tar.add_directory("blobs", 0755);
    tar.add_directory("blobs/sha256", 0755);
    for (const Descriptor& blob : blobs) {
        Fd fd = open_blob(store, blob);
        tar.add_file("blobs/sha256/" + std::string(digest_hex(blob.digest)), 0644, blob.size, fd.get());
    }
}

// Writes a tar at file through a temporary file next to it.
void write_archive(const stdfs::path& file, long long mtime,
                   const std::function<void(TarWriter&)>& add_entries) {
    struct stat st;
    if (::lstat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail("{} is a directory", file.string());
    fs::AtomicFile out = fs::AtomicFile::next_to(file);
    TarWriter tar([&](std::string_view bytes) { out.write(bytes); }, mtime, file.string());
    add_entries(tar);
    tar.finish();
    out.commit(file, 0644);
}

bool docker_loadable_layer(std::string_view type) {
    return type == media_type::layer_tar || type == media_type::layer_tar_gzip ||
           type == media_type::docker_layer_tar_gzip ||
           type == "application/vnd.docker.image.rootfs.diff.tar";
}

}  // namespace

void write_oci_layout(const BlobStore& store, const Descriptor& root, const stdfs::path& dir,
                      std::string_view ref_name, const std::vector<Descriptor>& attached) {
    check_ref_name(ref_name);
    const std::vector<Descriptor> blobs = reachable_blobs(store, root, attached);
    const bool replace = check_layout_destination(dir);
    const stdfs::path parent = dir.parent_path().empty() ? "." : dir.parent_path();
    fs::TempDir temp(parent, dir.filename().string() + ".tmp-");
    if (::chmod(temp.path().c_str(), 0755) != 0)
        fail("failed to set the mode of {}: {}", temp.path().string(), errno_text(errno));
    const stdfs::path blob_dir = temp.path() / "blobs" / "sha256";
    fs::make_dirs(blob_dir);
    for (const Descriptor& blob : blobs) {
        open_blob(store, blob);  // the size check
        link_or_copy(store.path_of(blob.digest), blob_dir / digest_hex(blob.digest));
    }
    fs::write_file_atomic(temp.path() / "oci-layout", k_oci_layout);
    fs::write_file_atomic(temp.path() / "index.json", layout_index(root, ref_name, attached));
    install_directory(temp, dir, replace);
}

void write_oci_archive(const BlobStore& store, const Descriptor& root, const stdfs::path& file,
                       std::string_view ref_name, long long mtime) {
    check_ref_name(ref_name);
    const std::vector<Descriptor> blobs = reachable_blobs(store, root);
    const std::string index = layout_index(root, ref_name);
    write_archive(file, mtime, [&](TarWriter& tar) {
        add_blobs(tar, store, blobs);
        tar.add_bytes("index.json", 0644, index);
        tar.add_bytes("oci-layout", 0644, k_oci_layout);
    });
}

void write_docker_archive(const BlobStore& store, const Descriptor& manifest, const stdfs::path& file,
                          std::string_view repo_tag, long long mtime) {
    if (is_index_type(manifest.media_type))
        fail(
            "{}: a docker-archive holds one image, and {} is a multi-platform index; select a platform first",
            file.string(), manifest.digest);
    Reference ref = parse_reference(repo_tag);
    if (!ref.digest.empty())
        fail("{}: the docker-archive tag '{}' must not name a digest", file.string(), printable(repo_tag));
    if (ref.tag.empty()) ref.tag = "latest";
    const std::vector<Descriptor> blobs = reachable_blobs(store, manifest);
    const Manifest image = parse_manifest(store.read(manifest.digest), "manifest " + manifest.digest);
    json layers = json::array();
    for (const Descriptor& layer : image.layers) {
        if (!docker_loadable_layer(layer.media_type))
            fail("{}: layer {} has media type '{}', which docker load does not read", file.string(),
                 layer.digest, printable(layer.media_type));
        layers.push_back("blobs/sha256/" + std::string(digest_hex(layer.digest)));
    }
    json entry = {{"Config", "blobs/sha256/" + std::string(digest_hex(image.config.digest))},
                  {"RepoTags", {ref.familiar()}},
                  {"Layers", layers}};
    const std::string manifest_json = canonical_dump(json::array({entry}), "manifest.json");
    std::vector<Descriptor> files;
    for (const Descriptor& blob : blobs)
        if (blob.digest != manifest.digest) files.push_back(blob);
    write_archive(file, mtime, [&](TarWriter& tar) {
        add_blobs(tar, store, files);
        tar.add_bytes("manifest.json", 0644, manifest_json);
    });
}

}  // namespace xbuild::oci
