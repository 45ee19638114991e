#pragma once
// A wheel: read safely from a zip (hostile input is refused), its files extracted to a temporary
// directory that the Wheel owns and removes, edited (files, WHEEL tags), and written back reproducibly
// with a regenerated RECORD. Contents stay on disk and are streamed (wheels can be gigabytes); only
// small metadata files are read into memory, with a size cap.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builder/core/artifact_file.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/input_limits.hpp"
#include "python/wheel_record.hpp"  // urlsafe_b64_nopad, record_hash

namespace xbuild::python {

// A file of the wheel: path relative, '/'-separated, no "." or ".." components; mode 0644 or 0755
// (the executable bit is kept); its content in a file that is never changed in place.
using WheelEntry = ArtifactFile;

struct WheelReadOptions {
    // Where the files are extracted: into a temporary directory made inside it, removed with the
    // Wheel. Empty: the system's temporary directory.
    std::filesystem::path work_dir;
    InputLimits limits = InputLimits::from_environment();
};

class Wheel {
  public:
    // A new wheel without files; those added with add_text go to a temporary directory made inside
    // work_dir (empty: the system's) when the first one is added.
    explicit Wheel(std::filesystem::path work_dir = {}, InputLimits limits = InputLimits::from_environment());
    Wheel(Wheel&&) noexcept = default;
    Wheel& operator=(Wheel&&) noexcept = default;

    // Reads a wheel the way pip installs one, more strictly: the zip is extracted with
    // archive::extract_zip (every refusal there, and options.limits), then RECORD must match the
    // content: every file listed once with its sha256 and size (RECORD and its signatures excepted),
    // no line for a file that is not there. Throws one Error naming the wheel and the entry or the
    // RECORD problem ("w.whl: pkg-1.0.dist-info/RECORD: the sha256 of 'pkg/a.py' does not match its
    // content"). Directory entries are skipped.
    static Wheel read(const std::filesystem::path& file, const WheelReadOptions& options = {});

    const std::vector<WheelEntry>& entries() const { return m_entries; }
    std::vector<WheelEntry>& entries() { return m_entries; }
    // The wheel file it was read from (empty for a new wheel); used in messages.
    const std::filesystem::path& source() const { return m_source; }
    // The directory that holds the wheel's files (made on first use); edits of the files (patched
    // copies, grafted libraries) go there too, and go with the Wheel.
    const std::filesystem::path& work_dir();

    // "name-1.0.dist-info": the one top-level .dist-info directory; throws Error if none or several.
    std::string dist_info() const;
    // "name-1.0.data"
    std::string data_dir() const;
    WheelEntry* find(std::string_view path);
    const WheelEntry* find(std::string_view path) const;
    // The content of a small file of the wheel; throws Error naming the wheel and the file when there
    // is none, or when it is larger than the limits' max_metadata_size.
    std::string text(std::string_view path) const;
    // The hash and size of an entry's content, as RECORD lists them (known from extraction, else read).
    RecordFile record_file(const WheelEntry& entry) const;
    // First value of a header field of .dist-info/METADATA ("Name", "Version"); nullopt when absent.
    std::optional<std::string> metadata_field(std::string_view field) const;

    // .dist-info/WHEEL as ordered key/value lines (Wheel-Version, Generator, Root-Is-Purelib,
    // Tag (repeated), Build); throws Error when it is missing or malformed.
    std::vector<std::pair<std::string, std::string>> wheel_metadata() const;
    // Replaces the Tag lines of WHEEL (where the first one was) with tags ("cp313-cp313-linux_x86_64").
    void set_tags(const std::vector<std::string>& tags);

    // Adds a file (its content stays where entry.file is, which must outlive the Wheel's use of it),
    // or replaces the one with the same path; throws Error for an unsafe path.
    void add(WheelEntry entry);
    // Adds (or replaces) a file with this content, written into work_dir().
    void add_text(std::string path, std::string_view content, unsigned mode = 0644);
    // Removes a file; no-op when there is none.
    void remove(std::string_view path);

    // Writes a reproducible wheel: RECORD regenerated, files sorted by path with the .dist-info
    // directory last and RECORD the very last entry, deflate, every timestamp source_date_epoch
    // (clamped to the zip range 1980..2107, zip DOS times in UTC), unix modes kept. Contents are
    // streamed from their files. Written to "<file>.tmp-<pid>" and renamed into place.
    void write(const std::filesystem::path& file, long long source_date_epoch) const;

    // Checks RECORD against the content: every file listed once, with its sha256 and size.
    // Returns the problems, one line each; empty when RECORD is right.
    std::vector<std::string> verify_record() const;

  private:
    std::string label() const;
    // Drops the file of an entry that goes away when it is one of the work directory's own.
    void discard_file(const WheelEntry& entry);

    std::filesystem::path m_work_parent;
    std::optional<fs::TempDir> m_work;
    InputLimits m_limits;
    std::vector<WheelEntry> m_entries;
    std::filesystem::path m_source;
    // The RECORD hash and size of files on disk, by path: filled by read, and by record_file on demand.
    // An entry holds the file's identity (inode, size, mtime) and counts only while they still match.
    struct Digest {
        std::string hash;
        std::uint64_t size = 0;
        std::string identity;
    };
    mutable std::map<std::string, Digest, std::less<>> m_digests;
};

}  // namespace xbuild::python
