#include "image/oci/layer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/handle.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"
#include "image/oci/tar_writer.hpp"

namespace xbuild::oci {

namespace stdfs = std::filesystem;
using text::printable;

namespace {

constexpr int k_max_depth = 512;

struct TreeEntry {
    std::string path;  // relative to the root, '/'-separated
    struct stat st;
};

std::string_view type_name(mode_t mode) {
    return S_ISCHR(mode)    ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISFIFO(mode) ? "a fifo"
           : S_ISSOCK(mode) ? "a socket"
                            : "a special file";
}

// Lists the tree below the directory open as dir_fd (which it takes), without following symlinks.
void list_tree(Fd dir_fd, const std::string& prefix, const std::string& root, int depth,
               std::vector<TreeEntry>& out) {
    if (depth > k_max_depth)
        fail("{}: '{}' is nested more than {} levels deep", root, printable(prefix), k_max_depth);
    DIR* dir = ::fdopendir(dir_fd.get());
    if (!dir) fail("{}: cannot list '{}': {}", root, printable(prefix), errno_text(errno));
    int fd = dir_fd.release();
    Handle<DIR, ::closedir> owner(dir);
    std::vector<std::string> subdirs;
    for (;;) {
        errno = 0;
        const dirent* item = ::readdir(dir);
        if (!item) {
            if (errno != 0) fail("{}: cannot list '{}': {}", root, printable(prefix), errno_text(errno));
            break;
        }
        std::string_view name = item->d_name;
        if (name == "." || name == "..") continue;
        TreeEntry entry{prefix.empty() ? std::string(name) : prefix + "/" + std::string(name), {}};
        if (::fstatat(fd, item->d_name, &entry.st, AT_SYMLINK_NOFOLLOW) != 0)
            fail("{}: cannot stat '{}': {}", root, printable(entry.path), errno_text(errno));
        const mode_t mode = entry.st.st_mode;
        if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode))
            fail("{}: '{}' is {}; a layer holds only files, directories and symlinks", root,
                 printable(entry.path), type_name(mode));
        if (S_ISDIR(mode)) subdirs.push_back(std::string(name));
        out.push_back(std::move(entry));
    }
    for (const std::string& name : subdirs) {
        const std::string path = prefix.empty() ? name : prefix + "/" + name;
        Fd sub(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) fail("{}: cannot open '{}': {}", root, printable(path), errno_text(errno));
        list_tree(std::move(sub), path, root, depth + 1, out);
    }
}

// Opens a listed regular file without following symlinks and checks it is the inode that was listed.
Fd open_listed(int root_fd, const TreeEntry& entry, const std::string& root) {
    Fd fd(::openat(root_fd, entry.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME));
    if (!fd && errno == EPERM)  // O_NOATIME needs the file's owner or CAP_FOWNER
        fd = Fd(::openat(root_fd, entry.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) fail("{}: cannot open '{}': {}", root, printable(entry.path), errno_text(errno));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || st.st_dev != entry.st.st_dev || st.st_ino != entry.st.st_ino ||
        st.st_size != entry.st.st_size)
        fail("{}: '{}' changed while the layer was written", root, printable(entry.path));
    return fd;
}

std::string read_link(int root_fd, const TreeEntry& entry, const std::string& root) {
    std::string target(static_cast<size_t>(entry.st.st_size) + 1, '\0');
    ssize_t n = ::readlinkat(root_fd, entry.path.c_str(), target.data(), target.size());
    if (n < 0) fail("{}: cannot read the symlink '{}': {}", root, printable(entry.path), errno_text(errno));
    if (static_cast<size_t>(n) != target.size() - 1)
        fail("{}: '{}' changed while the layer was written", root, printable(entry.path));
    target.resize(static_cast<size_t>(n));
    return target;
}

// gzip through libarchive's "raw" format and gzip filter: a fixed level, no name and no timestamp in
// the header (mtime 0), so the same input gives the same bytes.
class GzipStream {
  public:
    GzipStream(BlobWriter& out, int level, const std::string& label)
        : m_out(out), m_label(label), m_archive(archive_write_new()) {
        ::archive* a = m_archive.get();
        const std::string level_text = std::to_string(level);
        archive::ArchiveEntry entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), "layer.tar");
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        if (archive_write_set_format_raw(a) != ARCHIVE_OK || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
            archive_write_set_filter_option(a, "gzip", "compression-level", level_text.c_str()) !=
                ARCHIVE_OK ||
            archive_write_set_filter_option(a, "gzip", "timestamp", nullptr) != ARCHIVE_OK ||
            archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
            archive_write_open(a, this, nullptr, on_write, nullptr) != ARCHIVE_OK ||
            archive_write_header(a, entry.get()) != ARCHIVE_OK)
            fail("{}: cannot start gzip: {}", m_label, archive::error_text(a));
    }
    ~GzipStream() { m_closed = true; }

    void write(std::string_view bytes) {
        if (archive_write_data(m_archive.get(), bytes.data(), bytes.size()) !=
            static_cast<la_ssize_t>(bytes.size()))
            raise("cannot compress");
    }
    void finish() {
        if (archive_write_close(m_archive.get()) != ARCHIVE_OK) raise("cannot finish gzip");
        m_closed = true;
    }

  private:
    [[noreturn]] void raise(std::string_view what) {
        if (m_error) std::rethrow_exception(m_error);
        fail("{}: {}: {}", m_label, what, archive::error_text(m_archive.get()));
    }
    static la_ssize_t on_write(::archive*, void* self, const void* buffer, size_t size) {
        auto* stream = static_cast<GzipStream*>(self);
        if (stream->m_closed) return static_cast<la_ssize_t>(size);
        try {
            stream->m_out.write(std::string_view(static_cast<const char*>(buffer), size));
            return static_cast<la_ssize_t>(size);
        } catch (...) {
            stream->m_error = std::current_exception();
            return -1;
        }
    }

    BlobWriter& m_out;
    std::string m_label;
    std::exception_ptr m_error;
    bool m_closed = false;
    archive::WriteArchive m_archive;
};

}  // namespace

Layer write_layer(const stdfs::path& root_dir, const BlobStore& store, const LayerOptions& options) {
    const std::string root = root_dir.string();
    const std::string label = "layer of " + root;
    if (options.gzip_level < 1 || options.gzip_level > 9)
        fail("{}: gzip level {} is not between 1 and 9", label, options.gzip_level);
    Fd root_fd(::open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) fail("cannot open the layer directory {}: {}", root, errno_text(errno));
    std::vector<TreeEntry> entries;
    list_tree(Fd(::dup(root_fd.get())), "", root, 0, entries);
    // Byte order of the whole path: a directory's name is a prefix of its entries', so it sorts first.
    std::sort(entries.begin(), entries.end(),
              [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });

    BlobWriter blob(store);
    GzipStream gzip(blob, options.gzip_level, label);
    hash::Sha256 tar_hash;
    Layer layer;
    TarWriter tar(
        [&](std::string_view bytes) {
            tar_hash.update(bytes);
            layer.tar_size += bytes.size();
            gzip.write(bytes);
        },
        options.mtime, label);
    std::map<std::pair<dev_t, ino_t>, std::string> first_names;  // of files with several links
    for (const TreeEntry& entry : entries) {
        const mode_t mode = entry.st.st_mode;
        if (S_ISDIR(mode)) {
            tar.add_directory(entry.path, mode & 07777);
        } else if (S_ISLNK(mode)) {
            tar.add_symlink(entry.path, read_link(root_fd.get(), entry, root));
        } else {
            if (entry.st.st_nlink > 1) {
                auto [it, first] = first_names.try_emplace({entry.st.st_dev, entry.st.st_ino}, entry.path);
                if (!first) {
                    tar.add_hardlink(entry.path, it->second, mode & 07777);
                    continue;
                }
            }
            Fd fd = open_listed(root_fd.get(), entry, root);
            tar.add_file(entry.path, mode & 07777, static_cast<std::uint64_t>(entry.st.st_size), fd.get());
        }
    }
    tar.finish();
    gzip.finish();
    layer.diff_id = "sha256:" + tar_hash.hex_digest();
    layer.entry_count = entries.size();
    layer.blob = blob.commit(media_type::layer_tar_gzip);
    return layer;
}

}  // namespace xbuild::oci
