#include "builder/archive/tar_extract.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "builder/core/error.hpp"

namespace xbuild::archive {

namespace stdfs = std::filesystem;

namespace {

struct ReadDeleter {
    void operator()(::archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
    void operator()(::archive* a) const { archive_write_free(a); }
};

// A relative path that stays inside the tree: no absolute path, no "..", no empty name.
bool stays_inside(const std::string& path) {
    if (path.empty() || path[0] == '/') return false;
    stdfs::path normal = stdfs::path(path).lexically_normal();
    if (normal.empty()) return false;
    auto first = *normal.begin();
    return first != ".." && first != "/";
}

}  // namespace

void extract_tar(const stdfs::path& archive_path, const stdfs::path& dest) {
    std::unique_ptr<::archive, ReadDeleter> reader(archive_read_new());
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_filter_xz(reader.get());
    archive_read_support_filter_bzip2(reader.get());
    if (archive_read_open_filename(reader.get(), archive_path.c_str(), 65536) != ARCHIVE_OK)
        fail("{}: cannot read archive: {}", archive_path.string(), archive_error_string(reader.get()));
    std::unique_ptr<::archive, WriteDeleter> writer(archive_write_disk_new());
    // Entry names are checked here (stays_inside) and then made absolute under dest, so
    // libarchive's NOABSOLUTEPATHS cannot be used; it still refuses ".." and writing through
    // symlinks.
    archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                     ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    int entries = 0;
    for (;;) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status < ARCHIVE_WARN)
            fail("{}: corrupt or truncated archive: {}", archive_path.string(),
                 archive_error_string(reader.get()));
        const char* raw = archive_entry_pathname(entry);
        std::string name = raw ? raw : "";
        if (name == "." || name == "./" || name.rfind("pax_global_header", 0) == 0) continue;
        if (!stays_inside(name))
            fail("{}: entry '{}' escapes the extraction directory", archive_path.string(), name);
        auto type = archive_entry_filetype(entry);
        if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
            fail("{}: entry '{}' is not a regular file, directory or symlink", archive_path.string(), name);
        if (const char* hardlink = archive_entry_hardlink(entry)) {
            if (!stays_inside(hardlink))
                fail("{}: hard link '{}' points outside the tree", archive_path.string(), name);
            archive_entry_set_hardlink(entry, (dest / hardlink).c_str());
        }
        if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            std::string link = target ? target : "";
            stdfs::path resolved = (stdfs::path(name).parent_path() / link).lexically_normal();
            if (link.empty() || link[0] == '/' || !stays_inside(resolved.string()))
                fail("{}: symlink '{}' -> '{}' points outside the tree", archive_path.string(), name, link);
        }
        archive_entry_set_pathname(entry, (dest / name).c_str());
        // Owners are the extracting user's; setuid/setgid bits are dropped.
        archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
        if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
            fail("{}: cannot extract '{}': {}", archive_path.string(), name,
                 archive_error_string(writer.get()));
        if (type == AE_IFREG && archive_entry_size(entry) > 0) {
            const void* block = nullptr;
            size_t size = 0;
            la_int64_t offset = 0;
            for (;;) {
                int read_status = archive_read_data_block(reader.get(), &block, &size, &offset);
                if (read_status == ARCHIVE_EOF) break;
                if (read_status < ARCHIVE_WARN)
                    fail("{}: corrupt or truncated archive at '{}': {}", archive_path.string(), name,
                         archive_error_string(reader.get()));
                if (archive_write_data_block(writer.get(), block, size, offset) < ARCHIVE_WARN)
                    fail("{}: cannot write '{}': {}", archive_path.string(), name,
                         archive_error_string(writer.get()));
            }
        }
        if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN)
            fail("{}: cannot extract '{}': {}", archive_path.string(), name,
                 archive_error_string(writer.get()));
        ++entries;
    }
    if (entries == 0) fail("{}: empty archive", archive_path.string());
}

stdfs::path single_top_dir(const stdfs::path& dest) {
    stdfs::path only;
    int count = 0;
    for (const auto& entry : stdfs::directory_iterator(dest)) {
        ++count;
        only = entry.path();
    }
    if (count == 1 && stdfs::is_directory(only)) return only;
    return dest;
}

}  // namespace xbuild::archive
