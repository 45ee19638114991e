#include "builder/archive/tar_extract.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"

namespace xbuild::archive {

namespace stdfs = std::filesystem;

namespace {

// A relative path that stays inside the tree: no absolute path, no "..", no empty name.
bool stays_inside(const std::string& path) {
    if (path.empty() || path[0] == '/') return false;
    stdfs::path normal = stdfs::path(path).lexically_normal();
    if (normal.empty()) return false;
    auto first = *normal.begin();
    return first != ".." && first != "/";
}

// Follows the symlink `link` (relative to root) through the extracted tree as the kernel would;
// false when it leads outside. A target that stays inside as text can leave through another
// symlink on the way ("a/s" -> "..", then "a/t" -> "s/.." is "a" as text, root/.. on disk).
bool link_stays_inside(const stdfs::path& root, const stdfs::path& link) {
    std::vector<std::string> resolved;  // the real directories walked so far, below root
    for (const auto& part : link.parent_path()) resolved.push_back(part.string());
    std::vector<std::string> pending;  // components still to walk, the next one last
    auto push_target = [&](const stdfs::path& target) {
        std::vector<std::string> parts;
        for (const auto& part : target) parts.push_back(part.string());
        pending.insert(pending.end(), parts.rbegin(), parts.rend());
    };
    push_target(stdfs::read_symlink(root / link));
    int hops = 0;
    while (!pending.empty()) {
        std::string part = pending.back();
        pending.pop_back();
        if (part.empty() || part == ".") continue;
        if (part == "/") return false;
        if (part == "..") {
            if (resolved.empty()) return false;
            resolved.pop_back();
            continue;
        }
        resolved.push_back(part);
        stdfs::path current = root;
        for (const auto& name : resolved) current /= name;
        std::error_code error;
        if (!stdfs::is_symlink(current, error)) continue;  // a directory, a file, or nothing
        if (++hops > 40) return true;                      // a loop leads nowhere
        resolved.pop_back();
        push_target(stdfs::read_symlink(current));
    }
    return true;
}

}  // namespace

void extract_tar(const stdfs::path& archive_path, const stdfs::path& dest, const InputLimits& limits) {
    ReadArchive reader(archive_read_new());
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_filter_xz(reader.get());
    archive_read_support_filter_bzip2(reader.get());
    if (archive_read_open_filename(reader.get(), archive_path.c_str(), 65536) != ARCHIVE_OK)
        fail("{}: cannot read archive: {}", archive_path.string(), archive_error_string(reader.get()));
    // Entries are written under the real path of dest: SECURE_SYMLINKS refuses any symlink on the
    // way, the ones above dest too (a symlinked cache directory, say).
    std::error_code dest_error;
    const stdfs::path root = stdfs::canonical(dest, dest_error);
    if (dest_error)
        fail("{}: cannot extract into {}: {}", archive_path.string(), dest.string(), dest_error.message());
    WriteArchive writer(archive_write_disk_new());
    archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                     ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    std::uint64_t entries = 0, total = 0;
    auto too_large = [&](const std::string& name) {
        fail("{}: entry '{}' makes the extracted files larger than {} (XBUILD_MAX_SDIST_SIZE)",
             archive_path.string(), name, format_size(limits.max_sdist_size));
    };
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
        if (entries >= limits.max_entries)
            fail("{}: more than {} entries (XBUILD_MAX_ARCHIVE_ENTRIES)", archive_path.string(),
                 limits.max_entries);
        auto type = archive_entry_filetype(entry);
        const char* hardlink = archive_entry_hardlink(entry);
        // A sparse file's holes cost nothing in the archive and everything on disk.
        if (archive_entry_sparse_count(entry) > 0)
            fail("{}: entry '{}' is a sparse file (refused: its holes would be written out in full)",
                 archive_path.string(), name);
        const la_int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
        if (declared < 0 || static_cast<std::uint64_t>(declared) > limits.max_sdist_size - total)
            too_large(name);
        // A hard link (tar typeflag '1') has no file type of its own: libarchive reads it as 0.
        if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
            fail("{}: entry '{}' is not a regular file, directory or symlink", archive_path.string(), name);
        if (hardlink) {
            if (!stays_inside(hardlink))
                fail("{}: hard link '{}' points outside the tree", archive_path.string(), name);
            archive_entry_set_hardlink(entry, (root / hardlink).c_str());
        }
        if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            std::string link = target ? target : "";
            stdfs::path resolved = (stdfs::path(name).parent_path() / link).lexically_normal();
            if (link.empty() || link[0] == '/' || !stays_inside(resolved.string()))
                fail("{}: symlink '{}' -> '{}' points outside the tree", archive_path.string(), name, link);
        }
        archive_entry_set_pathname(entry, (root / name).c_str());
        // Owners are the extracting user's; setuid/setgid bits are dropped.
        archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
        if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
            fail("{}: cannot extract '{}': {}", archive_path.string(), name,
                 archive_error_string(writer.get()));
        if (type == AE_IFREG && archive_entry_size(entry) > 0) {
            const void* block = nullptr;
            size_t size = 0;
            la_int64_t offset = 0;
            std::uint64_t written = 0;
            for (;;) {
                int read_status = archive_read_data_block(reader.get(), &block, &size, &offset);
                if (read_status == ARCHIVE_EOF) break;
                if (read_status < ARCHIVE_WARN)
                    fail("{}: corrupt or truncated archive at '{}': {}", archive_path.string(), name,
                         archive_error_string(reader.get()));
                // Bytes past the declared size are not the file's: the total counts what is written.
                written += size;
                if (offset < 0 ||
                    static_cast<std::uint64_t>(offset) + size > static_cast<std::uint64_t>(declared) ||
                    written > static_cast<std::uint64_t>(declared))
                    too_large(name);
                if (archive_write_data_block(writer.get(), block, size, offset) < ARCHIVE_WARN)
                    fail("{}: cannot write '{}': {}", archive_path.string(), name,
                         archive_error_string(writer.get()));
            }
        }
        if (type == AE_IFREG && !hardlink) total += static_cast<std::uint64_t>(declared);
        if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN)
            fail("{}: cannot extract '{}': {}", archive_path.string(), name,
                 archive_error_string(writer.get()));
        ++entries;
    }
    if (entries == 0) fail("{}: empty archive", archive_path.string());
    // Each symlink was checked as text when extracted; the whole tree decides where they lead.
    std::vector<stdfs::path> links;
    std::error_code error;
    for (stdfs::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error))
        if (it->is_symlink(error)) links.push_back(it->path().lexically_relative(root));
    if (error)
        fail("{}: cannot read the extracted tree {}: {}", archive_path.string(), root.string(),
             error.message());
    std::sort(links.begin(), links.end());
    for (const stdfs::path& link : links)
        if (!link_stays_inside(root, link))
            fail("{}: symlink '{}' -> '{}' points outside the tree", archive_path.string(), link.string(),
                 stdfs::read_symlink(root / link).string());
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
