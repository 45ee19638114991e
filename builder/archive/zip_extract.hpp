#pragma once
// Safe, streaming extraction of a zip's files to disk, the way Python's zipfile and pip read a wheel,
// but stricter: hostile input is refused before anything is written where it could do harm, and no
// entry is ever inflated into memory.
//
// Checked before a byte is extracted: entry names (check_entry_path), duplicates, a name that is both
// a file and a directory, encryption, compression methods other than stored and deflate, Unix modes
// (external attributes >> 16, whatever "version made by" says) other than a regular file or a
// directory, every local header against its central directory header (name, flags, method, and the
// CRC-32 and sizes when there is no data descriptor), entries that lie outside the file or overlap,
// the entry count, the total of the declared uncompressed sizes and the compression ratio of each large
// entry (InputLimits). While extracting: no entry inflates to more than its declared size (checked
// before each chunk is written), nor ends short of it, and its CRC-32 matches the central directory.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/input_limits.hpp"

namespace xbuild::archive {

struct ExtractedFile {
    std::string path;            // as checked by check_entry_path: relative, '/'-separated
    std::filesystem::path file;  // where its content is: dest/<number>
    unsigned mode = 0644;        // 0755 when the entry is a regular file with an executable bit (pip's rule)
    std::uint64_t size = 0;
    std::string sha256;  // the 32 bytes of the content's SHA-256, computed while extracting
};

// Extracts the regular files of the zip into dest, an existing directory that the caller owns and
// removes (it may hold part of the files when this throws), as dest/0, dest/1, ... (the names in the
// zip are never used as paths on disk). Directory entries are checked, then skipped. Returns the files
// in the central directory's order. Throws Error "<zip>: ..." naming the entry and the problem; `noun`
// is passed to check_entry_path ("escapes the wheel").
std::vector<ExtractedFile> extract_zip(const std::filesystem::path& zip, const std::filesystem::path& dest,
                                       const InputLimits& limits, std::string_view noun = "archive");

}  // namespace xbuild::archive
