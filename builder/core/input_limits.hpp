#pragma once
// Bounds on what xbuild reads from untrusted files: wheels and other zips, sdists, and the ELF files
// inside them. Every parser checks them while it reads and stops with one Error that names the file,
// the entry or table, and the limit, before it uses more memory or disk than they allow. The defaults
// let real packages through (GPU wheels of several GB, C++ libraries with 100k+ exported symbols);
// each can be changed through the environment variable next to it.
#include <cstdint>
#include <string>
#include <string_view>

namespace xbuild {

struct InputLimits {
    // Zips (wheels): the total of the entries' uncompressed sizes. Files are extracted to disk, never
    // held in memory, so this bounds disk use; 8 GiB passes the largest wheels on PyPI (CUDA ~4 GB).
    std::uint64_t max_unpacked_size = std::uint64_t{8} << 30;  // XBUILD_MAX_UNPACKED_SIZE
    // A zip entry larger than ratio_threshold may be at most this many times its compressed size.
    // Deflate tops out near 1032:1 (long runs of one byte); real files compress below 20:1, and
    // small ones (sparse tables, padding) can go higher, which the threshold lets through.
    std::uint64_t max_compression_ratio = 200;                // XBUILD_MAX_COMPRESSION_RATIO
    std::uint64_t ratio_threshold = std::uint64_t{16} << 20;  // fixed: 16 MiB
    // Entries of a zip or a tar (directories included).
    std::uint64_t max_entries = 100'000;  // XBUILD_MAX_ARCHIVE_ENTRIES
    // Source archives (sdists): the total size of the files extracted from one.
    std::uint64_t max_sdist_size = std::uint64_t{4} << 30;  // XBUILD_MAX_SDIST_SIZE
    // Small files read into memory: METADATA, WHEEL, RECORD, entry_points.txt, "#!python" scripts.
    std::uint64_t max_metadata_size = std::uint64_t{64} << 20;  // XBUILD_MAX_METADATA_SIZE
    // ELF, per table: entries of the dynamic symbol table, the length of one string, and the bytes of
    // the strings taken from one table (each use counts: a thousand symbols naming one 1 MB string
    // take 1 GB). libtorch_cpu.so, among the largest shared libraries shipped in wheels, stays well
    // below these.
    std::uint64_t max_elf_symbols = 1'000'000;                     // XBUILD_MAX_ELF_SYMBOLS
    std::uint64_t max_elf_string_length = std::uint64_t{1} << 20;  // XBUILD_MAX_ELF_STRING_LENGTH
    std::uint64_t max_elf_string_bytes = std::uint64_t{64} << 20;  // XBUILD_MAX_ELF_STRING_BYTES
    // What the facts read from all ELF files of one wheel or prebuild (their symbols and strings,
    // held at once for the policy) may take in memory: many files each under the limits above
    // would add up without it.
    std::uint64_t max_elf_total_bytes = std::uint64_t{160} << 20;  // XBUILD_MAX_ELF_TOTAL_BYTES

    // The defaults, with every XBUILD_MAX_* variable that is set applied. Throws Error naming the
    // variable for a value that is not a positive number (sizes take a K, M, G or T suffix: 1024^n).
    static InputLimits from_environment();
};

// "8G" → 8589934592, "512M", "64k", "1000"; throws Error "<what>: ..." for anything else, 0, or a value
// that does not fit in 64 bits.
std::uint64_t parse_size(std::string_view text, std::string_view what);

// "8 GiB", "16 MiB", "200 bytes": a limit in messages.
std::string format_size(std::uint64_t bytes);

}  // namespace xbuild
