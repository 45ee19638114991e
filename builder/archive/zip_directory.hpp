#pragma once
// The central directory of a zip, read from the file with bounded reads (never the whole zip): the
// entries as stored (names with any byte in them, sizes, CRC-32, modes, where the local headers are).
// What an archive says about itself is untrusted: offsets and sizes are checked against the file
// before they are used, and zip64 fields are taken from the zip64 extra field when the 32-bit ones
// say so.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::archive {

// One central directory header.
struct ZipRecord {
    std::string name;          // as stored
    std::uint64_t header = 0;  // offset of this central directory header
    std::uint64_t local = 0;   // offset of the entry's local file header
    std::uint64_t compressed_size = 0;
    std::uint64_t size = 0;  // uncompressed
    std::uint32_t crc = 0;
    unsigned flags = 0;   // general purpose bits: 0 and 6 encryption, 3 data descriptor, 11 UTF-8
    unsigned method = 0;  // 0 stored, 8 deflate
    unsigned version_made_by = 0;
    std::uint32_t external_attributes = 0;  // the Unix mode (type and permissions) in the high 16 bits
    std::uint32_t disk = 0;                 // the disk the entry starts on
};

struct ZipDirectory {
    std::vector<ZipRecord> records;  // in the directory's order
    std::uint64_t offset = 0;        // where the central directory starts: entry data ends before it
};

// The largest central directory read (100k entries with long names take ~25 MB).
inline constexpr std::uint64_t k_max_zip_directory_size = std::uint64_t{64} << 20;

// Reads the central directory of the zip open on fd, size bytes long. Throws Error "<label>: ..." for
// a file that is not a zip, a truncated or corrupt one, a spanned (multi-disk) one, more than
// max_entries entries, or a directory larger than k_max_zip_directory_size.
ZipDirectory read_zip_directory(int fd, std::uint64_t size, std::string_view label,
                                std::uint64_t max_entries);

// Exactly size bytes at offset of fd; Error "<label>: truncated zip archive (<what> ...)" when the file
// ends first.
std::string read_at(int fd, std::uint64_t offset, std::size_t size, std::string_view label,
                    std::string_view what);

// Little-endian fields of zip headers.
std::uint64_t le(std::string_view bytes, std::size_t at, int width);

}  // namespace xbuild::archive
