#include "builder/archive/zip_directory.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "builder/core/error.hpp"
#include "builder/core/input_limits.hpp"

namespace xbuild::archive {

namespace {

constexpr std::size_t k_eocd_size = 22;
constexpr std::size_t k_max_comment = 0xffff;
constexpr std::size_t k_zip64_locator_size = 20;
constexpr std::size_t k_zip64_record_size = 56;
constexpr std::size_t k_central_header_size = 46;

// The zip64 extra field (id 1) holds, in this order, those of (size, compressed size, local header
// offset, disk) whose 32-bit (16-bit for the disk) field is all ones.
void apply_zip64_extra(ZipRecord& record, std::string_view extra, std::string_view label) {
    const bool need_size = record.size == 0xffffffff, need_compressed = record.compressed_size == 0xffffffff,
               need_local = record.local == 0xffffffff, need_disk = record.disk == 0xffff;
    if (!need_size && !need_compressed && !need_local && !need_disk) return;
    for (std::size_t at = 0; at + 4 <= extra.size();) {
        const std::size_t length = le(extra, at + 2, 2);
        if (at + 4 + length > extra.size()) break;
        if (le(extra, at, 2) == 1) {
            std::string_view field = extra.substr(at + 4, length);
            auto take = [&](std::uint64_t& value, int width) {
                if (field.size() < static_cast<std::size_t>(width))
                    fail("{}: corrupt zip archive (short zip64 field of entry '{}')", label, record.name);
                value = le(field, 0, width);
                field.remove_prefix(width);
            };
            std::uint64_t disk = record.disk;
            if (need_size) take(record.size, 8);
            if (need_compressed) take(record.compressed_size, 8);
            if (need_local) take(record.local, 8);
            if (need_disk) take(disk, 4);
            record.disk = static_cast<std::uint32_t>(disk);
            return;
        }
        at += 4 + length;
    }
    fail("{}: corrupt zip archive (entry '{}' has no zip64 field for its sizes)", label, record.name);
}

}  // namespace

std::uint64_t le(std::string_view bytes, std::size_t at, int width) {
    std::uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
    return value;
}

std::string read_at(int fd, std::uint64_t offset, std::size_t size, std::string_view label,
                    std::string_view what) {
    std::string bytes(size, '\0');
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::pread(fd, bytes.data() + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("{}: failed to read: {}", label, errno_text(errno));
        if (n == 0) fail("{}: truncated zip archive ({} at byte {} ends past the end)", label, what, offset);
        done += static_cast<std::size_t>(n);
    }
    return bytes;
}

ZipDirectory read_zip_directory(int fd, std::uint64_t size, std::string_view label,
                                std::uint64_t max_entries) {
    const std::size_t tail_size =
        static_cast<std::size_t>(std::min<std::uint64_t>(size, k_eocd_size + k_max_comment));
    const std::uint64_t tail_start = size - tail_size;
    const std::string tail = read_at(fd, tail_start, tail_size, label, "end of the archive");
    std::size_t eocd = std::string::npos;
    for (std::size_t at = tail.size() >= k_eocd_size ? tail.size() - k_eocd_size + 1 : 0; at-- > 0;) {
        if (tail.compare(at, 4, "PK\5\6") == 0 && at + k_eocd_size + le(tail, at + 20, 2) == tail.size()) {
            eocd = at;
            break;
        }
    }
    if (eocd == std::string::npos) {
        const std::string head = read_at(fd, 0, std::min<std::uint64_t>(size, 4), label, "header");
        if (head == "PK\3\4") fail("{}: truncated zip archive (no end of central directory)", label);
        fail("{}: not a zip archive", label);
    }
    if (le(tail, eocd + 4, 2) != 0 || le(tail, eocd + 6, 2) != 0)
        fail("{}: spanned (multi-disk) zip archives are not supported", label);
    std::uint64_t count = le(tail, eocd + 10, 2), directory_size = le(tail, eocd + 12, 4),
                  offset = le(tail, eocd + 16, 4);
    std::uint64_t end = tail_start + eocd;  // the directory ends where the records after it start
    if (count == 0xffff || directory_size == 0xffffffff || offset == 0xffffffff) {
        if (eocd < k_zip64_locator_size || tail.compare(eocd - k_zip64_locator_size, 4, "PK\6\7") != 0)
            fail("{}: corrupt zip archive (no zip64 end of central directory locator)", label);
        const std::uint64_t record = le(tail, eocd - k_zip64_locator_size + 8, 8);
        if (record > end - k_zip64_locator_size || end - k_zip64_locator_size - record < k_zip64_record_size)
            fail("{}: corrupt zip archive (bad zip64 end of central directory)", label);
        const std::string zip64 =
            read_at(fd, record, k_zip64_record_size, label, "zip64 end of central directory");
        if (zip64.compare(0, 4, "PK\6\6") != 0)
            fail("{}: corrupt zip archive (bad zip64 end of central directory)", label);
        count = le(zip64, 32, 8), directory_size = le(zip64, 40, 8), offset = le(zip64, 48, 8);
        end = record;
    }
    if (offset > end || directory_size > end - offset)
        fail("{}: truncated or corrupt zip archive (central directory out of bounds)", label);
    if (count > max_entries)
        fail("{}: {} entries, more than the limit of {} (XBUILD_MAX_ARCHIVE_ENTRIES)", label, count,
             max_entries);
    if (directory_size > k_max_zip_directory_size)
        fail("{}: central directory of {} bytes, more than the limit of {}", label, directory_size,
             format_size(k_max_zip_directory_size));
    const std::string directory =
        read_at(fd, offset, static_cast<std::size_t>(directory_size), label, "central directory");
    ZipDirectory out;
    out.offset = offset;
    out.records.reserve(static_cast<std::size_t>(count));
    for (std::size_t at = 0; out.records.size() < count;) {
        const std::size_t next =
            at + k_central_header_size <= directory.size() && directory.compare(at, 4, "PK\1\2") == 0
                ? at + k_central_header_size + le(directory, at + 28, 2) + le(directory, at + 30, 2) +
                      le(directory, at + 32, 2)
                : std::string::npos;
        if (next > directory.size())
            fail("{}: corrupt zip archive (bad central directory entry {})", label, out.records.size());
        ZipRecord record;
        record.version_made_by = static_cast<unsigned>(le(directory, at + 4, 2));
        record.flags = static_cast<unsigned>(le(directory, at + 8, 2));
        record.method = static_cast<unsigned>(le(directory, at + 10, 2));
        record.crc = static_cast<std::uint32_t>(le(directory, at + 16, 4));
        record.compressed_size = le(directory, at + 20, 4);
        record.size = le(directory, at + 24, 4);
        const std::size_t name_length = le(directory, at + 28, 2), extra_length = le(directory, at + 30, 2);
        record.disk = static_cast<std::uint32_t>(le(directory, at + 34, 2));
        record.external_attributes = static_cast<std::uint32_t>(le(directory, at + 38, 4));
        record.local = le(directory, at + 42, 4);
        record.header = offset + at;
        record.name = directory.substr(at + k_central_header_size, name_length);
        apply_zip64_extra(
            record,
            std::string_view(directory).substr(at + k_central_header_size + name_length, extra_length),
            label);
        out.records.push_back(std::move(record));
        at = next;
    }
    return out;
}

}  // namespace xbuild::archive
