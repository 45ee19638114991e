#include "builder/archive/zip_file.hpp"

#include <time.h>

#include <algorithm>
#include <limits>
#include <set>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"

namespace xbuild::archive {

namespace {

using text::printable;

unsigned byte(std::string_view s, size_t at) {
    return static_cast<unsigned char>(s[at]);
}
std::uint64_t le(std::string_view s, size_t at, int size) {
    std::uint64_t value = 0;
    for (int i = size - 1; i >= 0; --i) value = value << 8 | byte(s, at + i);
    return value;
}
void put_le16(std::string& s, size_t at, unsigned value) {
    s[at] = static_cast<char>(value & 0xff);
    s[at + 1] = static_cast<char>(value >> 8);
}

// One central directory header of a zip, as stored: libarchive hides NUL bytes in names.
struct ZipRecord {
    std::string_view name;
    size_t header;        // offset of the central directory header
    std::uint64_t local;  // offset of the local file header
    unsigned flags;       // general purpose bits; bit 0: encrypted
};

// The zip64 extra field holds, in order, those of (size, compressed size, offset) that are 0xffffffff.
std::uint64_t zip64_local_offset(std::string_view zip, size_t header) {
    size_t at = header + 46 + le(zip, header + 28, 2);
    size_t end = at + le(zip, header + 30, 2);
    for (; at + 4 <= end; at += 4 + le(zip, at + 2, 2)) {
        if (le(zip, at, 2) != 1) continue;
        size_t field = at + 4 + (le(zip, header + 24, 4) == 0xffffffff ? 8 : 0) +
                       (le(zip, header + 20, 4) == 0xffffffff ? 8 : 0);
        if (field + 8 <= end) return le(zip, field, 8);
    }
    return std::numeric_limits<std::uint64_t>::max();
}

std::vector<ZipRecord> central_directory(std::string_view zip, const std::string& label, size_t max_entries) {
    constexpr size_t k_eocd = 22;
    size_t eocd = std::string_view::npos;
    for (size_t at = zip.size() >= k_eocd ? zip.size() - k_eocd : 0; zip.size() >= k_eocd; --at) {
        if (zip.compare(at, 4, "PK\5\6") == 0 && at + k_eocd + le(zip, at + 20, 2) == zip.size()) {
            eocd = at;
            break;
        }
        if (at == 0 || zip.size() - at > k_eocd + 0xffff) break;
    }
    if (eocd == std::string_view::npos) {
        if (zip.starts_with("PK\3\4")) fail("{}: truncated zip archive (no end of central directory)", label);
        fail("{}: not a zip archive", label);
    }
    std::uint64_t count = le(zip, eocd + 10, 2), size = le(zip, eocd + 12, 4), offset = le(zip, eocd + 16, 4);
    size_t end = eocd;
    if (count == 0xffff || size == 0xffffffff || offset == 0xffffffff) {
        std::uint64_t record =
            eocd >= 20 && zip.compare(eocd - 20, 4, "PK\6\7") == 0 ? le(zip, eocd - 12, 8) : eocd;
        if (record > eocd || eocd - record < 56 || zip.compare(record, 4, "PK\6\6") != 0)
            fail("{}: corrupt zip archive (bad zip64 end of central directory)", label);
        count = le(zip, record + 32, 8), size = le(zip, record + 40, 8), offset = le(zip, record + 48, 8);
        end = record;
    }
    if (offset > end || size > end - offset)
        fail("{}: truncated or corrupt zip archive (central directory out of bounds)", label);
    if (count > max_entries) fail("{}: more than {} entries", label, max_entries);
    std::vector<ZipRecord> records;
    for (size_t at = offset, stop = offset + size; records.size() < count;) {
        size_t next = at + 46 <= stop && zip.compare(at, 4, "PK\1\2") == 0
                          ? at + 46 + le(zip, at + 28, 2) + le(zip, at + 30, 2) + le(zip, at + 32, 2)
                          : std::numeric_limits<size_t>::max();
        if (next > stop)
            fail("{}: corrupt zip archive (bad central directory entry {})", label, records.size());
        ZipRecord record{zip.substr(at + 46, le(zip, at + 28, 2)), at, le(zip, at + 42, 4),
                         static_cast<unsigned>(le(zip, at + 8, 2))};
        if (record.local == 0xffffffff) record.local = zip64_local_offset(zip, at);
        records.push_back(record);
        at = next;
    }
    return records;
}

// Well-formed UTF-8: no overlong forms, surrogates or code points above U+10FFFF.
bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        unsigned c = byte(s, i);
        size_t extra = c < 0x80                ? 0
                       : c >= 0xc2 && c < 0xe0 ? 1
                       : c >= 0xe0 && c < 0xf0 ? 2
                       : c >= 0xf0 && c < 0xf5 ? 3
                                               : 9;
        if (extra == 9 || (extra > 0 && i + extra >= s.size())) return false;
        for (size_t k = 1; k <= extra; ++k)
            if ((byte(s, i + k) & 0xc0) != 0x80) return false;
        unsigned next = extra > 0 ? byte(s, i + 1) : 0;
        if ((c == 0xe0 && next < 0xa0) || (c == 0xed && next > 0x9f) || (c == 0xf0 && next < 0x90) ||
            (c == 0xf4 && next > 0x8f))
            return false;
        i += extra + 1;
    }
    return true;
}

std::string_view type_name(unsigned type) {
    return type == AE_IFLNK ? "a symlink" : type == AE_IFIFO ? "a fifo" : "a device or other special file";
}

la_ssize_t append_to_string(::archive*, void* out, const void* buffer, size_t size) {
    try {
        static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), size);
        return static_cast<la_ssize_t>(size);
    } catch (const std::bad_alloc&) {
        return -1;
    }
}

std::string zip_bytes(std::span<const ZipEntryView> entries, time_t mtime, const std::string& label) {
    Utf8Locale locale;  // names are UTF-8: libarchive then sets the zip's UTF-8 name flag
    std::string zip;
    WriteArchive writer(archive_write_new());
    ::archive* a = writer.get();
    auto check = [&](int status, std::string_view what) {
        if (status != ARCHIVE_OK) fail("{}: failed to write {}: {}", label, printable(what), error_text(a));
    };
    check(archive_write_set_format_zip(a), "zip format");
    check(archive_write_zip_set_compression_deflate(a), "deflate");
    check(archive_write_set_bytes_per_block(a, 0), "block size");
    check(archive_write_open(a, &zip, nullptr, append_to_string, nullptr), "archive");
    for (const ZipEntryView& file : entries) {
        ArchiveEntry entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), std::string(file.path).c_str());
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), file.mode & 0111 ? 0755 : 0644);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(file.data.size()));
        archive_entry_set_mtime(entry.get(), mtime, 0);
        check(archive_write_header(a, entry.get()), file.path);
        if (archive_write_data(a, file.data.data(), file.data.size()) !=
            static_cast<la_ssize_t>(file.data.size()))
            check(ARCHIVE_FATAL, file.path);
    }
    check(archive_write_close(a), "archive");
    // libarchive writes DOS times in local time; the same zip must come out in every time zone.
    struct tm utc;
    gmtime_r(&mtime, &utc);
    unsigned dos_time = utc.tm_hour << 11 | utc.tm_min << 5 | utc.tm_sec / 2;
    unsigned dos_date = (utc.tm_year - 80) << 9 | (utc.tm_mon + 1) << 5 | utc.tm_mday;
    for (const ZipRecord& record : central_directory(zip, label, entries.size())) {
        if (record.local > zip.size() - 30 || zip.compare(record.local, 4, "PK\3\4") != 0)
            fail("{}: libarchive wrote an unexpected zip layout", label);
        for (size_t at : {record.header + 12, static_cast<size_t>(record.local) + 10}) {
            put_le16(zip, at, dos_time);
            put_le16(zip, at + 2, dos_date);
        }
    }
    return zip;
}

}  // namespace

std::string error_text(::archive* a) {
    const char* text = archive_error_string(a);
    return text ? text : "unknown libarchive error";
}

void check_entry_path(std::string_view label, std::string_view path, std::string_view noun) {
    auto refuse = [&](std::string_view why) { fail("{}: entry '{}' {}", label, printable(path), why); };
    if (path.empty()) refuse("has an empty name");
    if (path.find('\0') != std::string_view::npos) refuse("has a NUL byte in its name");
    if (std::any_of(path.begin(), path.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        refuse("has a control character in its name");
    if (path.find('\\') != std::string_view::npos) refuse("has a backslash in its name");
    if (path.front() == '/') refuse("is an absolute path");
    if (!valid_utf8(path)) refuse("has a name that is not UTF-8");
    bool empty_component = false, dot_component = false;
    for (size_t start = 0;;) {
        size_t slash = path.find('/', start);
        std::string_view component = path.substr(start, slash - start);
        if (component == "..") fail("{}: entry '{}' escapes the {}", label, printable(path), noun);
        empty_component |= component.empty();
        dot_component |= component == ".";
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (empty_component) refuse("has an empty path component");
    if (dot_component) refuse("has a '.' path component");
}

std::vector<ZipEntry> read_zip(const std::filesystem::path& file, const ZipLimits& limits,
                               std::string_view noun) {
    const std::string label = file.string();
    std::error_code error;  // a missing file is reported by read_file
    if (auto type = std::filesystem::status(file, error).type();
        !error && type != std::filesystem::file_type::regular)
        fail("{}: not a regular file", label);
    const std::string zip = fs::read_file(file);
    const std::vector<ZipRecord> records = central_directory(zip, label, limits.max_entries);
    std::set<std::string_view> stored;
    for (const ZipRecord& record : records) {
        stored.insert(record.name);
        // The names as stored: libarchive cuts a name at a NUL byte and turns backslashes into '/'.
        check_entry_path(
            label, record.name.ends_with('/') ? record.name.substr(0, record.name.size() - 1) : record.name,
            noun);
        if (record.flags & 1) fail("{}: entry '{}' is encrypted", label, printable(record.name));
    }
    Utf8Locale locale;
    ReadArchive reader(archive_read_new());
    // Only the central-directory reader: it sees the entries that pip and Python's zipfile see (but
    // names an entry after its local header: those must agree with the central directory, as zipfile checks).
    archive_read_support_format_zip_seekable(reader.get());
    if (archive_read_open_memory(reader.get(), zip.data(), zip.size()) != ARCHIVE_OK)
        fail("{}: not a zip archive: {}", label, error_text(reader.get()));
    std::vector<ZipEntry> entries;
    std::set<std::string> seen;
    std::uint64_t total = 0;
    size_t count = 0;
    archive_entry* entry = nullptr;
    for (int status; (status = archive_read_next_header(reader.get(), &entry)) != ARCHIVE_EOF;) {
        if (status < ARCHIVE_WARN)
            fail("{}: corrupt or truncated zip archive: {}", label, error_text(reader.get()));
        if (++count > limits.max_entries) fail("{}: more than {} entries", label, limits.max_entries);
        const char* name = archive_entry_pathname(entry);
        if (!name) fail("{}: entry {} has a name that is not UTF-8", label, count);
        if (!stored.count(name))
            fail("{}: entry '{}' has another name in the central directory", label, printable(name));
        std::string path = name;
        const unsigned type = archive_entry_filetype(entry);
        if (type == AE_IFDIR && path.ends_with('/')) path.pop_back();
        check_entry_path(label, path, noun);
        if (!seen.insert(path).second) fail("{}: entry '{}' appears twice", label, path);
        if (archive_entry_is_encrypted(entry)) fail("{}: entry '{}' is encrypted", label, path);
        if (archive_entry_hardlink(entry)) fail("{}: entry '{}' is a hardlink", label, path);
        if (type == AE_IFDIR) continue;
        if (type != AE_IFREG) fail("{}: entry '{}' is {}, not a regular file", label, path, type_name(type));
        if (archive_entry_size_is_set(entry) &&
            static_cast<std::uint64_t>(archive_entry_size(entry)) > limits.max_bytes - total)
            fail("{}: entry '{}' makes more than {} bytes uncompressed", label, path, limits.max_bytes);
        ZipEntry out{path, {}, archive_entry_perm(entry) & 0111 ? 0755u : 0644u};
        char buffer[65536];
        for (la_ssize_t n; (n = archive_read_data(reader.get(), buffer, sizeof buffer)) != 0;) {
            if (n < 0)
                fail("{}: entry '{}' is corrupt or truncated: {}", label, path, error_text(reader.get()));
            total += static_cast<std::uint64_t>(n);
            if (total > limits.max_bytes)
                fail("{}: entry '{}' makes more than {} bytes uncompressed", label, path, limits.max_bytes);
            out.data.append(buffer, static_cast<size_t>(n));
        }
        entries.push_back(std::move(out));
    }
    if (count != records.size())
        fail("{}: corrupt zip archive ({} entries in the central directory, {} read)", label, records.size(),
             count);
    for (const ZipEntry& file : entries) {  // "a" as a file and "a/b" below it
        auto below = seen.lower_bound(file.path + "/");
        if (below != seen.end() && below->starts_with(file.path + "/"))
            fail("{}: entry '{}' is both a file and a directory", label, file.path);
    }
    return entries;
}

void write_zip(const std::filesystem::path& file, std::span<const ZipEntryView> entries,
               long long source_date_epoch) {
    const std::string label = file.string();
    std::set<std::string_view> seen;
    for (const ZipEntryView& entry : entries) {
        check_entry_path(label, entry.path);
        if (!seen.insert(entry.path).second) fail("{}: entry '{}' appears twice", label, entry.path);
    }
    // Zip (DOS) times run from 1980-01-01 00:00:00 to 2107-12-31 23:59:58.
    const long long mtime = std::clamp(source_date_epoch, 315532800LL, 4354819198LL);
    fs::write_file_atomic(file, zip_bytes(entries, static_cast<time_t>(mtime), label), 0644);
}

}  // namespace xbuild::archive
