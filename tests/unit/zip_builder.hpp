#pragma once
// Zips written byte by byte for the tests of the zip reader: every header field can lie, so each
// hostile layout (a CRC wrong only in the central directory, a FIFO mode, a size that lies, a local
// name that differs) is made here, small, by the test that needs it.
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xbuild::test {

struct RawZipEntry {
    std::string name;
    std::string data;  // the uncompressed content
    bool deflate = true;
    unsigned version_made_by = 3u << 8 | 20;  // Unix, zip 2.0
    std::uint32_t external = 0100644u << 16;  // a regular file, rw-r--r--
    unsigned flags = 0;
    std::optional<std::string> local_name;  // else name
    std::optional<std::uint32_t> central_crc, local_crc;
    std::optional<std::uint32_t> central_size, local_size;  // the declared uncompressed sizes
};

inline void put(std::string& out, std::uint64_t value, int width) {
    for (int i = 0; i < width; ++i) out += static_cast<char>(value >> (8 * i) & 0xff);
}

// Raw deflate (no zlib header), as zips hold it.
inline std::string deflate_raw(const std::string& data) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, data.size()), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

inline std::string build_zip(const std::vector<RawZipEntry>& entries) {
    std::string zip, directory;
    for (const RawZipEntry& entry : entries) {
        const std::string compressed = entry.deflate ? deflate_raw(entry.data) : entry.data;
        const auto crc = static_cast<std::uint32_t>(crc32(
            0, reinterpret_cast<const Bytef*>(entry.data.data()), static_cast<uInt>(entry.data.size())));
        const std::string local_name = entry.local_name.value_or(entry.name);
        const std::uint64_t offset = zip.size();
        zip += "PK\3\4";
        put(zip, 20, 2);
        put(zip, entry.flags, 2);
        put(zip, entry.deflate ? 8 : 0, 2);
        put(zip, 0, 4);  // time and date
        put(zip, entry.local_crc.value_or(crc), 4);
        put(zip, compressed.size(), 4);
        put(zip, entry.local_size.value_or(static_cast<std::uint32_t>(entry.data.size())), 4);
        put(zip, local_name.size(), 2);
        put(zip, 0, 2);
        zip += local_name + compressed;
        directory += "PK\1\2";
        put(directory, entry.version_made_by, 2);
        put(directory, 20, 2);
        put(directory, entry.flags, 2);
        put(directory, entry.deflate ? 8 : 0, 2);
        put(directory, 0, 4);
        put(directory, entry.central_crc.value_or(crc), 4);
        put(directory, compressed.size(), 4);
        put(directory, entry.central_size.value_or(static_cast<std::uint32_t>(entry.data.size())), 4);
        put(directory, entry.name.size(), 2);
        put(directory, 0, 2);  // extra
        put(directory, 0, 2);  // comment
        put(directory, 0, 2);  // disk
        put(directory, 0, 2);  // internal attributes
        put(directory, entry.external, 4);
        put(directory, offset, 4);
        directory += entry.name;
    }
    const std::uint64_t directory_offset = zip.size();
    zip += directory;
    zip += "PK\5\6";
    put(zip, 0, 4);
    put(zip, entries.size(), 2);
    put(zip, entries.size(), 2);
    put(zip, directory.size(), 4);
    put(zip, directory_offset, 4);
    put(zip, 0, 2);
    return zip;
}

}  // namespace xbuild::test
