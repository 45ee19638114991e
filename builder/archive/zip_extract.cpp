#include "builder/archive/zip_extract.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "builder/archive/zip_directory.hpp"
#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"

namespace xbuild::archive {

namespace {

using text::printable;

constexpr unsigned k_flag_encrypted = 1u << 0;
constexpr unsigned k_flag_descriptor = 1u << 3;
constexpr unsigned k_flag_strong_encryption = 1u << 6;
constexpr unsigned k_method_stored = 0;
constexpr unsigned k_method_deflate = 8;
constexpr std::size_t k_local_header_size = 30;
constexpr std::size_t k_chunk = 64 * 1024;

// An entry checked and ready to extract.
struct Planned {
    const ZipRecord* record;
    std::string path;  // without a directory's trailing '/'
    bool directory = false;
    unsigned mode = 0644;
    std::uint64_t data = 0;  // offset of the compressed data (known once the local header is read)
};

std::string_view type_name(unsigned type) {
    switch (type) {
        case S_IFLNK:
            return "a symlink";
        case S_IFIFO:
            return "a fifo";
        case S_IFCHR:
            return "a character device";
        case S_IFBLK:
            return "a block device";
        case S_IFSOCK:
            return "a socket";
        case S_IFREG:
            return "a regular file";
        case S_IFDIR:
            return "a directory";
        default:
            return "a special file";
    }
}

// The entry's kind from its name and its Unix mode bits, which must agree.
Planned plan_entry(const ZipRecord& record, std::string_view label, std::string_view noun,
                   const InputLimits& limits) {
    Planned planned{&record, record.name};
    planned.directory = record.name.ends_with('/');
    if (planned.directory) planned.path.pop_back();
    check_entry_path(label, planned.path, noun);
    const std::string& path = planned.path;
    const unsigned mode = record.external_attributes >> 16, type = mode & S_IFMT;
    if (record.flags & (k_flag_encrypted | k_flag_strong_encryption))
        fail("{}: entry '{}' is encrypted", label, path);
    if (record.disk != 0) fail("{}: entry '{}' is on another disk of a spanned zip archive", label, path);
    if (type != 0 && type != S_IFREG && type != S_IFDIR)
        fail("{}: entry '{}' is {} (mode {:o}), not a regular file or a directory", label, path,
             type_name(type), mode);
    if (planned.directory) {
        if (type == S_IFREG)
            fail("{}: entry '{}' is a directory by its name but a regular file by its mode", label, path);
        if (record.size != 0) fail("{}: directory entry '{}' has {} bytes of data", label, path, record.size);
        return planned;
    }
    if (type == S_IFDIR)
        fail("{}: entry '{}' is a directory by its mode but a file by its name", label, path);
    planned.mode = type == S_IFREG && (mode & 0111) ? 0755 : 0644;
    if (record.method != k_method_stored && record.method != k_method_deflate)
        fail("{}: entry '{}' uses compression method {} (xbuild reads stored and deflate entries)", label,
             path, record.method);
    if (record.method == k_method_stored && record.compressed_size != record.size)
        fail("{}: entry '{}' is corrupt (stored, but {} bytes long with a size of {})", label, path,
             record.compressed_size, record.size);
    // size > ratio * compressed, without overflow.
    const std::uint64_t ratio = limits.max_compression_ratio;
    if (record.size > limits.ratio_threshold &&
        (record.size / ratio > record.compressed_size ||
         (record.size / ratio == record.compressed_size && record.size % ratio != 0)))
        fail(
            "{}: entry '{}' inflates {} bytes to {}, a compression ratio above the limit of {}:1 "
            "(XBUILD_MAX_COMPRESSION_RATIO)",
            label, path, record.compressed_size, record.size, ratio);
    return planned;
}

// Reads the entry's local header, which must agree with the central directory; sets planned.data.
void check_local_header(int fd, Planned& planned, std::uint64_t directory_offset, std::string_view label) {
    const ZipRecord& record = *planned.record;
    const std::string& path = planned.path;
    if (record.local > directory_offset || directory_offset - record.local < k_local_header_size)
        fail("{}: corrupt zip archive (the local header of entry '{}' is out of bounds)", label, path);
    const std::string header = read_at(fd, record.local, k_local_header_size, label, "local header");
    if (header.compare(0, 4, "PK\3\4") != 0)
        fail("{}: corrupt zip archive (no local header for entry '{}' at byte {})", label, path,
             record.local);
    const std::size_t name_length = le(header, 26, 2), extra_length = le(header, 28, 2);
    const std::string names =
        read_at(fd, record.local + k_local_header_size, name_length + extra_length, label, "local header");
    const std::string_view local_name = std::string_view(names).substr(0, name_length);
    if (local_name != record.name)
        fail("{}: entry '{}' has another name in its local header: '{}'", label, printable(record.name),
             printable(local_name));
    auto disagree = [&](std::string_view what) {
        fail("{}: entry '{}': its local header and the central directory disagree on the {}", label, path,
             what);
    };
    if (le(header, 6, 2) != record.flags) disagree("flags");
    if (le(header, 8, 2) != record.method) disagree("compression method");
    if (!(record.flags & k_flag_descriptor)) {
        std::uint64_t compressed = le(header, 18, 4), size = le(header, 22, 4);
        if (size == 0xffffffff || compressed == 0xffffffff) {  // both in the local zip64 extra field
            std::string_view extra = std::string_view(names).substr(name_length);
            bool found = false;
            for (std::size_t at = 0; !found && at + 4 <= extra.size(); at += 4 + le(extra, at + 2, 2)) {
                if (le(extra, at, 2) != 1 || le(extra, at + 2, 2) < 16 || at + 20 > extra.size()) continue;
                size = le(extra, at + 4, 8), compressed = le(extra, at + 12, 8), found = true;
            }
            if (!found) disagree("sizes (no zip64 field in the local header)");
        }
        if (le(header, 14, 4) != record.crc) disagree("CRC-32");
        if (compressed != record.compressed_size) disagree("compressed size");
        if (size != record.size) disagree("size");
    }
    planned.data = record.local + k_local_header_size + name_length + extra_length;
    if (planned.data > directory_offset || record.compressed_size > directory_offset - planned.data)
        fail("{}: truncated or corrupt zip archive (the data of entry '{}' runs past the entries)", label,
             path);
}

void write_all(int fd, const unsigned char* data, std::size_t size, const std::filesystem::path& file) {
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("failed to write {}: {}", file.string(), errno_text(errno));
        done += static_cast<std::size_t>(n);
    }
}

struct Inflater {
    z_stream stream{};
    Inflater() {
        if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw std::bad_alloc();
    }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
    ~Inflater() { inflateEnd(&stream); }
};

// Streams one entry's data from the zip into out: never more than its declared size, hashed as it goes.
ExtractedFile extract_entry(int zip, const Planned& planned, const std::filesystem::path& file,
                            std::string_view label) {
    const ZipRecord& record = *planned.record;
    const std::string& path = planned.path;
    Fd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out) fail("failed to create {}: {}", file.string(), errno_text(errno));
    hash::Sha256 sha256;
    uLong crc = crc32(0, nullptr, 0);
    std::uint64_t written = 0;
    auto take = [&](const unsigned char* data, std::size_t size) {
        if (size > record.size - written)
            fail("{}: entry '{}' is corrupt (it inflates to more than the {} bytes its headers declare)",
                 label, path, record.size);
        write_all(out.get(), data, size, file);
        sha256.update({reinterpret_cast<const char*>(data), size});
        crc = crc32(crc, data, static_cast<uInt>(size));
        written += size;
    };
    std::uint64_t offset = planned.data, left = record.compressed_size;
    auto next_input = [&] {
        const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(left, k_chunk));
        std::string chunk = read_at(zip, offset, size, label, "entry data");
        offset += size, left -= size;
        return chunk;
    };
    if (record.method == k_method_stored) {
        while (left > 0) {
            const std::string chunk = next_input();
            take(reinterpret_cast<const unsigned char*>(chunk.data()), chunk.size());
        }
    } else {
        Inflater inflater;
        z_stream& z = inflater.stream;
        std::string input;
        unsigned char output[k_chunk];
        for (int status = Z_OK; status != Z_STREAM_END;) {
            if (z.avail_in == 0 && left > 0) {
                input = next_input();
                z.next_in = reinterpret_cast<Bytef*>(input.data());
                z.avail_in = static_cast<uInt>(input.size());
            }
            z.next_out = output;
            z.avail_out = sizeof output;
            status = inflate(&z, Z_NO_FLUSH);
            if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
                fail("{}: entry '{}' is corrupt ({})", label, path, z.msg ? z.msg : "invalid deflate data");
            const std::size_t produced = sizeof output - z.avail_out;
            if (produced == 0 && status != Z_STREAM_END && z.avail_in == 0 && left == 0)
                fail("{}: entry '{}' is corrupt or truncated (its deflate data ends early)", label, path);
            take(output, produced);
        }
    }
    if (written != record.size)
        fail("{}: entry '{}' is corrupt (it inflates to {} bytes, not the {} its headers declare)", label,
             path, written, record.size);
    if (crc != record.crc)
        fail("{}: entry '{}' is corrupt (its CRC-32 does not match the central directory)", label, path);
    return {path, file, planned.mode, written, sha256.digest()};
}

}  // namespace

std::vector<ExtractedFile> extract_zip(const std::filesystem::path& zip, const std::filesystem::path& dest,
                                       const InputLimits& limits, std::string_view noun) {
    const std::string label = zip.string();
    Fd fd(::open(zip.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("failed to open {}: {}", label, errno_text(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail("failed to stat {}: {}", label, errno_text(errno));
    if (!S_ISREG(st.st_mode)) fail("{}: not a regular file", label);
    const ZipDirectory directory =
        read_zip_directory(fd.get(), static_cast<std::uint64_t>(st.st_size), label, limits.max_entries);

    std::vector<Planned> planned;
    planned.reserve(directory.records.size());  // names holds views of the paths: no reallocation
    std::set<std::string_view> names;
    std::uint64_t total = 0;
    for (const ZipRecord& record : directory.records) {
        planned.push_back(plan_entry(record, label, noun, limits));
        const Planned& entry = planned.back();
        if (!names.insert(entry.path).second) fail("{}: entry '{}' appears twice", label, entry.path);
        if (entry.directory) continue;
        if (record.size > limits.max_unpacked_size - total)
            fail("{}: entry '{}' makes more than {} uncompressed (XBUILD_MAX_UNPACKED_SIZE)", label,
                 entry.path, format_size(limits.max_unpacked_size));
        total += record.size;
    }
    for (const Planned& entry : planned) {  // "a" as a file and "a/b" below it
        if (entry.directory) continue;
        const std::string below = entry.path + "/";
        auto next = names.lower_bound(below);
        if (next != names.end() && next->starts_with(below))
            fail("{}: entry '{}' is both a file and a directory", label, entry.path);
    }
    for (Planned& entry : planned) check_local_header(fd.get(), entry, directory.offset, label);
    // Entries that share bytes (one deflate stream counted many times) are how small zips claim to hold
    // terabytes; in a real archive each entry's header and data come after the previous one's.
    std::vector<const Planned*> by_offset;
    for (const Planned& entry : planned) by_offset.push_back(&entry);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const Planned* a, const Planned* b) { return a->record->local < b->record->local; });
    for (std::size_t i = 1; i < by_offset.size(); ++i) {
        const Planned& before = *by_offset[i - 1];
        if (before.data + before.record->compressed_size > by_offset[i]->record->local)
            fail("{}: corrupt zip archive (entries '{}' and '{}' overlap)", label, before.path,
                 by_offset[i]->path);
    }

    std::vector<ExtractedFile> files;
    for (const Planned& entry : planned)
        if (!entry.directory)
            files.push_back(extract_entry(fd.get(), entry, dest / std::to_string(files.size()), label));
    return files;
}

}  // namespace xbuild::archive
