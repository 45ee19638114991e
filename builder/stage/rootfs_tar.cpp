#include "builder/stage/rootfs_tar.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <string>

#include "builder/archive/zip_file.hpp"  // archive::Handle, ReadArchive, WriteArchive
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

namespace xbuild::stage {

void unpack_rootfs_tarball(const std::filesystem::path& tarball, const std::filesystem::path& root) {
    fs::make_dirs(root);
    const std::filesystem::path base = std::filesystem::canonical(root);
    archive::ReadArchive reader(archive_read_new());
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    if (archive_read_open_filename(reader.get(), tarball.c_str(), 1 << 16) != ARCHIVE_OK)
        fail("{}: cannot read: {}", tarball.string(), archive::error_text(reader.get()));
    archive::WriteArchive writer(archive_write_disk_new());
    archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                     ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    archive_entry* entry = nullptr;
    for (int status; (status = archive_read_next_header(reader.get(), &entry)) != ARCHIVE_EOF;) {
        if (status < ARCHIVE_WARN)
            fail("{}: corrupt rootfs tarball: {}", tarball.string(), archive::error_text(reader.get()));
        std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
        while (name.starts_with("./")) name.erase(0, 2);
        if (name.empty() || name == ".") continue;
        const auto type = archive_entry_filetype(entry);
        const bool hardlink = archive_entry_hardlink(entry) != nullptr;
        if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) continue;
        archive_entry_set_pathname(entry, (base / name).c_str());
        if (hardlink) {
            std::string target = archive_entry_hardlink(entry);
            while (target.starts_with("./")) target.erase(0, 2);
            archive_entry_set_hardlink(entry, (base / target).c_str());
        }
        archive_entry_set_perm(entry, archive_entry_perm(entry) & 01777);
        if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
            fail("{}: cannot unpack '{}': {}", tarball.string(), name, archive::error_text(writer.get()));
        const void* block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        while (type == AE_IFREG && !hardlink) {
            int read = archive_read_data_block(reader.get(), &block, &size, &offset);
            if (read == ARCHIVE_EOF) break;
            if (read < ARCHIVE_WARN ||
                archive_write_data_block(writer.get(), block, size, offset) < ARCHIVE_WARN)
                fail("{}: cannot unpack '{}': {}", tarball.string(), name, archive::error_text(writer.get()));
        }
        if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN)
            fail("{}: cannot unpack '{}': {}", tarball.string(), name, archive::error_text(writer.get()));
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK)
        fail("{}: cannot finish unpacking: {}", tarball.string(), archive::error_text(writer.get()));
}

}  // namespace xbuild::stage
