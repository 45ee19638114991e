#include "builder/archive/tree_archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "builder/archive/zip_file.hpp"  // the libarchive handles (and the writer shim's reference)
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/text.hpp"

namespace xbuild::archive {

namespace stdfs = std::filesystem;

namespace {

// The extended attributes of path (not followed), security.* and system.* (ACLs) left out.
std::vector<std::pair<std::string, std::string>> read_xattrs(const stdfs::path& path) {
    std::vector<std::pair<std::string, std::string>> attributes;
    ssize_t size = ::llistxattr(path.c_str(), nullptr, 0);
    if (size < 0) {
        if (errno == ENOTSUP) return attributes;
        fail("{}: cannot list extended attributes: {}", path.string(), errno_text(errno));
    }
    std::string names(static_cast<size_t>(size), '\0');
    size = ::llistxattr(path.c_str(), names.data(), names.size());
    if (size < 0) fail("{}: cannot list extended attributes: {}", path.string(), errno_text(errno));
    names.resize(static_cast<size_t>(size));
    for (size_t start = 0; start < names.size();) {
        const size_t end = names.find('\0', start);
        const std::string name = names.substr(start, end - start);
        start = end == std::string::npos ? names.size() : end + 1;
        if (name.empty() || name.starts_with("security.") || name.starts_with("system.")) continue;
        ssize_t length = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
        if (length < 0) fail("{}: cannot read attribute {}: {}", path.string(), name, errno_text(errno));
        std::string value(static_cast<size_t>(length), '\0');
        length = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
        if (length < 0) fail("{}: cannot read attribute {}: {}", path.string(), name, errno_text(errno));
        value.resize(static_cast<size_t>(length));
        attributes.emplace_back(name, std::move(value));
    }
    return attributes;
}

class TreeWriter {
  public:
    TreeWriter(const stdfs::path& dir, const stdfs::path& file) : m_dir(dir), m_writer(archive_write_new()) {
        ::archive* a = m_writer.get();
        if (archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
            archive_write_set_filter_option(a, "zstd", "compression-level", "3") != ARCHIVE_OK ||
            archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_open_filename(a, file.c_str()) != ARCHIVE_OK)
            fail("{}: cannot write: {}", file.string(), error_text(a));
    }

    void write_children(const std::string& relative) {
        const stdfs::path at = relative.empty() ? m_dir : m_dir / relative;
        std::vector<std::string> names;
        std::error_code error;
        for (stdfs::directory_iterator it(at, error), end; !error && it != end; it.increment(error))
            names.push_back(it->path().filename().string());
        if (error) fail("{}: cannot list: {}", at.string(), error.message());
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) {
            const std::string child = relative.empty() ? name : relative + "/" + name;
            if (write_entry(child)) write_children(child);
        }
    }

    void finish(const stdfs::path& file) {
        if (archive_write_close(m_writer.get()) != ARCHIVE_OK)
            fail("{}: cannot write: {}", file.string(), error_text(m_writer.get()));
    }

  private:
    // Writes one entry; true when it is a directory (to descend into).
    bool write_entry(const std::string& relative) {
        const stdfs::path path = m_dir / relative;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) fail("{}: {}", path.string(), errno_text(errno));
        // A stage's own /dev nodes, fifos and sockets are left out (the sandbox mounts its own /dev);
        // an overlay whiteout (character device 0:0) is part of a layer.
        const bool whiteout = S_ISCHR(st.st_mode) && st.st_rdev == 0;
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) && !whiteout) return false;
        if (::geteuid() != 0) {  // the caller's files are root's in the sandbox
            if (st.st_uid == ::getuid()) st.st_uid = 0;
            if (st.st_gid == ::getgid()) st.st_gid = 0;
        }
        ArchiveEntry entry(archive_entry_new());
        archive_entry_copy_stat(entry.get(), &st);
        archive_entry_set_pathname_utf8(entry.get(), relative.c_str());
        for (const auto& [name, value] : read_xattrs(path))
            archive_entry_xattr_add_entry(entry.get(), name.c_str(), value.data(), value.size());
        Fd content;
        if (S_ISLNK(st.st_mode)) {
            std::error_code error;
            const stdfs::path target = stdfs::read_symlink(path, error);
            if (error) fail("{}: {}", path.string(), error.message());
            archive_entry_set_symlink_utf8(entry.get(), target.c_str());
        } else if (S_ISREG(st.st_mode)) {
            auto [first, added] = st.st_nlink > 1 ? m_links.emplace(std::pair{st.st_dev, st.st_ino}, relative)
                                                  : std::pair{m_links.end(), true};
            if (!added) {
                archive_entry_set_hardlink_utf8(entry.get(), first->second.c_str());
                archive_entry_set_size(entry.get(), 0);
            } else {
                content = Fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
                if (!content) fail("{}: {}", path.string(), errno_text(errno));
            }
        }
        if (archive_write_header(m_writer.get(), entry.get()) != ARCHIVE_OK)
            fail("{}: cannot archive: {}", path.string(), error_text(m_writer.get()));
        if (content) {
            std::vector<char> buffer(1 << 20);
            std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
            while (left > 0) {
                const ssize_t n =
                    ::read(content.get(), buffer.data(), std::min<std::uint64_t>(buffer.size(), left));
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) fail("{}: {}", path.string(), errno_text(errno));
                if (n == 0) fail("{}: changed while it was archived", path.string());
                if (archive_write_data(m_writer.get(), buffer.data(), static_cast<size_t>(n)) != n)
                    fail("{}: cannot archive: {}", path.string(), error_text(m_writer.get()));
                left -= static_cast<std::uint64_t>(n);
            }
        }
        return S_ISDIR(st.st_mode);
    }

    stdfs::path m_dir;
    WriteArchive m_writer;
    std::map<std::pair<dev_t, ino_t>, std::string> m_links;
};

// A name of the archive as a path below dest; refuses absolute names and "..".
std::string checked_path(const stdfs::path& file, const char* name, const std::string& dest) {
    if (!name || !*name) fail("{}: an entry without a name", file.string());
    const std::string_view text(name);
    if (text.starts_with('/')) fail("{}: entry '{}' is absolute", file.string(), text::printable(text));
    for (std::string_view part : text::split(text, '/'))
        if (part == "..") fail("{}: entry '{}' leaves the tree", file.string(), text::printable(text));
    return dest + "/" + std::string(text);
}

}  // namespace

void write_tree_archive(const stdfs::path& dir, const stdfs::path& file) {
    Utf8Locale locale;
    TreeWriter writer(dir, file);
    writer.write_children("");
    writer.finish(file);
}

void extract_tree_archive(const stdfs::path& file, const stdfs::path& dest) {
    Utf8Locale locale;
    std::error_code error;
    // Canonical: no symlink on the way to dest, which the symlink check would refuse.
    const std::string root = stdfs::canonical(dest, error).string();
    if (error) fail("{}: {}", dest.string(), error.message());
    const bool as_root = ::geteuid() == 0;
    ReadArchive reader(archive_read_new());
    archive_read_support_filter_zstd(reader.get());
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_filename(reader.get(), file.c_str(), 1 << 20) != ARCHIVE_OK)
        fail("{}: cannot read: {}", file.string(), error_text(reader.get()));
    WriteArchive writer(archive_write_disk_new());
    archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                     ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                     (as_root ? ARCHIVE_EXTRACT_OWNER : 0));
    for (;;) {
        archive_entry* entry = nullptr;
        const int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status != ARCHIVE_OK) fail("{}: {}", file.string(), error_text(reader.get()));
        const char* name = archive_entry_pathname_utf8(entry);
        const std::string shown = text::printable(name ? name : "");
        archive_entry_set_pathname_utf8(entry, checked_path(file, name, root).c_str());
        if (const char* link = archive_entry_hardlink_utf8(entry))
            archive_entry_set_hardlink_utf8(entry, checked_path(file, link, root).c_str());
        const auto type = archive_entry_filetype(entry);
        const bool whiteout = type == AE_IFCHR && archive_entry_rdev(entry) == 0;
        const bool hardlink = archive_entry_hardlink_utf8(entry) != nullptr;
        if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && !whiteout && !hardlink)
            fail(
                "{}: entry '{}' is a device node, fifo or socket (only overlay whiteouts, character "
                "device 0:0, are kept)",
                file.string(), shown);
        if (!as_root) {
            if (whiteout)
                fail("{}: entry '{}' is an overlay whiteout, which only root can make", file.string(), shown);
            archive_entry_set_perm(entry, archive_entry_perm(entry) & 01777);  // no setuid/setgid
        }
        if (archive_write_header(writer.get(), entry) != ARCHIVE_OK)
            fail("{}: cannot extract '{}': {}", file.string(), shown, error_text(writer.get()));
        const void* block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        for (;;) {
            const int read = archive_read_data_block(reader.get(), &block, &size, &offset);
            if (read == ARCHIVE_EOF) break;
            if (read != ARCHIVE_OK) fail("{}: '{}': {}", file.string(), shown, error_text(reader.get()));
            if (archive_write_data_block(writer.get(), block, size, offset) != ARCHIVE_OK)
                fail("{}: cannot extract '{}': {}", file.string(), shown, error_text(writer.get()));
        }
        if (archive_write_finish_entry(writer.get()) != ARCHIVE_OK)
            fail("{}: cannot extract '{}': {}", file.string(), shown, error_text(writer.get()));
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK)
        fail("{}: cannot finish extracting: {}", file.string(), error_text(writer.get()));
}

}  // namespace xbuild::archive
