#pragma once
// A wheel held in memory: read safely from a zip (hostile input is refused, never extracted),
// edited (files, WHEEL tags), and written back reproducibly with a regenerated RECORD.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builder/elf/graft.hpp"
#include "python/wheel_record.hpp"  // urlsafe_b64_nopad, record_hash

namespace xbuild::python {

// A file of the wheel: path relative, '/'-separated, no "." or ".." components; mode 0644 or 0755
// (the executable bit is kept).
using WheelEntry = elf::ArtifactFile;

// Zip-bomb bounds of Wheel::read.
struct WheelLimits {
    std::size_t max_entries = 100'000;
    std::uint64_t max_bytes = std::uint64_t{4} << 30;  // total uncompressed size
};

class Wheel {
  public:
    // Reads every file of the wheel. Throws Error naming the wheel (and the entry) for a file that is
    // not a zip, a truncated or corrupt zip, encrypted entries, entry names that are absolute or hold
    // "..", ".", empty components, backslashes, NUL or control characters or invalid UTF-8, symlinks,
    // hardlinks and other non-regular entries, duplicate names, or more than the limits. Directory
    // entries are skipped.
    static Wheel read(const std::filesystem::path& file, const WheelLimits& limits = {});

    const std::vector<WheelEntry>& entries() const { return m_entries; }
    std::vector<WheelEntry>& entries() { return m_entries; }
    // The wheel file it was read from (empty for a new wheel); used in messages.
    const std::filesystem::path& source() const { return m_source; }

    // "name-1.0.dist-info": the one top-level .dist-info directory; throws Error if none or several.
    std::string dist_info() const;
    // "name-1.0.data"
    std::string data_dir() const;
    WheelEntry* find(std::string_view path);
    const WheelEntry* find(std::string_view path) const;
    // First value of a header field of .dist-info/METADATA ("Name", "Version"); nullopt when absent.
    std::optional<std::string> metadata_field(std::string_view field) const;

    // .dist-info/WHEEL as ordered key/value lines (Wheel-Version, Generator, Root-Is-Purelib,
    // Tag (repeated), Build); throws Error when it is missing or malformed.
    std::vector<std::pair<std::string, std::string>> wheel_metadata() const;
    // Replaces the Tag lines of WHEEL (where the first one was) with tags ("cp313-cp313-linux_x86_64").
    void set_tags(const std::vector<std::string>& tags);

    // Adds a file, or replaces the one with the same path; throws Error for an unsafe path.
    void add(WheelEntry entry);
    // Removes a file; no-op when there is none.
    void remove(std::string_view path);

    // Writes a reproducible wheel: RECORD regenerated, files sorted by path with the .dist-info
    // directory last and RECORD the very last entry, deflate, every timestamp source_date_epoch
    // (clamped to the zip range 1980..2107, zip DOS times in UTC), unix modes kept. Written to
    // "<file>.tmp-<pid>" and renamed into place.
    void write(const std::filesystem::path& file, long long source_date_epoch) const;

    // Checks RECORD against the content: every file listed once, with its sha256 and size.
    // Returns the problems, one line each; empty when RECORD is right.
    std::vector<std::string> verify_record() const;

  private:
    std::string label() const;

    std::vector<WheelEntry> m_entries;
    std::filesystem::path m_source;
};

}  // namespace xbuild::python
