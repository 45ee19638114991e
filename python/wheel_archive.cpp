#include "python/wheel_archive.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <span>

#include <fmt/ranges.h>

#include "builder/archive/zip_extract.hpp"
#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"

namespace xbuild::python {

namespace {

using text::lines;
using text::printable;
using text::trim;

// The noun of "entry '../x' escapes the wheel".
constexpr std::string_view k_noun = "wheel";

// The value of an email-style header line "Key: value" when its key is `key` (any case).
std::optional<std::string_view> header_value(std::string_view line, std::string_view key) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view name = trim(line.substr(0, colon));
    if (!std::equal(name.begin(), name.end(), key.begin(), key.end(),
                    [](char a, char b) { return (a | 0x20) == (b | 0x20); }))
        return std::nullopt;
    return trim(line.substr(colon + 1));
}

std::string find_dist_info(const std::vector<WheelEntry>& entries, std::string_view label) {
    std::set<std::string> found;
    for (const WheelEntry& entry : entries) {
        std::string_view top = std::string_view(entry.path).substr(0, entry.path.find('/'));
        if (top.size() < entry.path.size() && top.ends_with(".dist-info")) found.emplace(top);
    }
    if (found.empty()) fail("{}: no .dist-info directory", label);
    if (found.size() > 1) fail("{}: several .dist-info directories: {}", label, fmt::join(found, ", "));
    return *found.begin();
}

// What tells one file on disk from another, or from itself changed: device, inode, size, mtime.
std::string file_identity(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) fail("failed to stat {}: {}", file.string(), errno_text(errno));
    return fmt::format("{}:{}:{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                       st.st_mtim.tv_nsec);
}

}  // namespace

std::string Wheel::label() const {
    return m_source.empty() ? std::string("new wheel") : m_source.string();
}

Wheel::Wheel(std::filesystem::path work_dir, InputLimits limits)
    : m_work_parent(std::move(work_dir)), m_limits(limits) {}

const std::filesystem::path& Wheel::work_dir() {
    if (!m_work)
        m_work.emplace(m_work_parent.empty() ? std::filesystem::temp_directory_path() : m_work_parent,
                       "wheel-");
    return m_work->path();
}

Wheel Wheel::read(const std::filesystem::path& file, const WheelReadOptions& options) {
    Wheel wheel(options.work_dir, options.limits);
    wheel.m_source = file;
    for (archive::ExtractedFile& entry :
         archive::extract_zip(file, wheel.work_dir(), options.limits, k_noun)) {
        wheel.m_digests[entry.file.string()] = {record_hash_of_digest(entry.sha256), entry.size,
                                                file_identity(entry.file)};
        wheel.m_entries.push_back({std::move(entry.path), std::move(entry.file), entry.mode});
    }
    const std::string label = file.string();
    const std::string dist = wheel.dist_info();
    const WheelEntry* record = wheel.find(dist + "/RECORD");
    if (!record) fail("{}: no {}/RECORD", label, dist);
    std::vector<RecordFile> files;
    for (const WheelEntry& entry : wheel.m_entries) files.push_back(wheel.record_file(entry));
    const std::vector<std::string> problems = check_record(wheel.text(record->path), files, dist);
    if (!problems.empty())
        fail("{}: {}{}", label, problems.front(),
             problems.size() > 1 ? fmt::format(" (and {} more RECORD problem{})", problems.size() - 1,
                                               problems.size() > 2 ? "s" : "")
                                 : "");
    return wheel;
}

std::string Wheel::text(std::string_view path) const {
    const WheelEntry* entry = find(path);
    if (!entry) fail("{}: no {}", label(), path);
    std::optional<std::string> content = fs::read_file_limited(entry->file, m_limits.max_metadata_size);
    if (!content)
        fail("{}: {} is larger than {} (XBUILD_MAX_METADATA_SIZE)", label(), path,
             format_size(m_limits.max_metadata_size));
    return std::move(*content);
}

RecordFile Wheel::record_file(const WheelEntry& entry) const {
    const std::string identity = file_identity(entry.file);
    Digest& digest = m_digests[entry.file.string()];
    if (digest.identity != identity) {
        hash::Sha256 hasher;
        digest.size = hasher.update_file(entry.file);
        digest.hash = record_hash_of_digest(hasher.digest());
        digest.identity = identity;
    }
    return {entry.path, digest.hash, digest.size};
}

std::string Wheel::dist_info() const {
    return find_dist_info(m_entries, label());
}

std::string Wheel::data_dir() const {
    std::string dist = dist_info();
    return dist.substr(0, dist.size() - std::string_view(".dist-info").size()) + ".data";
}

WheelEntry* Wheel::find(std::string_view path) {
    auto it =
        std::find_if(m_entries.begin(), m_entries.end(), [&](const WheelEntry& e) { return e.path == path; });
    return it == m_entries.end() ? nullptr : &*it;
}

const WheelEntry* Wheel::find(std::string_view path) const {
    return const_cast<Wheel*>(this)->find(path);
}

std::optional<std::string> Wheel::metadata_field(std::string_view field) const {
    const std::string path = dist_info() + "/METADATA";
    if (!find(path)) return std::nullopt;
    const std::string metadata = text(path);
    for (std::string_view line : lines(metadata)) {
        if (line.empty()) break;  // the end of the headers
        if (auto value = header_value(line, field)) return std::string(*value);
    }
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Wheel::wheel_metadata() const {
    const std::string path = dist_info() + "/WHEEL";
    const std::string wheel = text(path);
    std::vector<std::pair<std::string, std::string>> out;
    for (std::string_view line : lines(wheel)) {
        if (line.empty()) continue;
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || trim(line.substr(0, colon)).empty())
            fail("{}: {}: malformed line '{}'", label(), path, printable(line));
        out.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
    return out;
}

void Wheel::set_tags(const std::vector<std::string>& tags) {
    const std::string path = dist_info() + "/WHEEL";
    const std::string wheel = text(path);
    if (tags.empty()) fail("{}: no tags given for {}", label(), path);
    std::string tag_lines;
    for (const std::string& tag : tags) {
        bool valid = std::count(tag.begin(), tag.end(), '-') == 2 && tag.find("--") == std::string::npos &&
                     tag.front() != '-' && tag.back() != '-' &&
                     std::all_of(tag.begin(), tag.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '_' || c == '-';
                     });
        if (!valid) fail("{}: invalid tag '{}' (expected python-abi-platform)", label(), printable(tag));
        tag_lines += "Tag: " + tag + "\n";
    }
    std::string out;
    for (std::string_view line : lines(wheel)) {
        if (!header_value(line, "Tag")) {
            out.append(line).append("\n");
        } else if (!tag_lines.empty()) {
            out += std::exchange(tag_lines, {});
        }
    }
    add_text(path, out + tag_lines, find(path)->mode);
}

void Wheel::discard_file(const WheelEntry& entry) {
    if (!m_work || entry.file.parent_path() != m_work->path()) return;
    std::error_code ignored;
    std::filesystem::remove(entry.file, ignored);
    m_digests.erase(entry.file.string());
}

void Wheel::add(WheelEntry entry) {
    archive::check_entry_path(label(), entry.path, k_noun);
    entry.mode = entry.mode & 0111 ? 0755 : 0644;
    if (WheelEntry* existing = find(entry.path)) {
        if (existing->file != entry.file) discard_file(*existing);
        *existing = std::move(entry);
    } else {
        m_entries.push_back(std::move(entry));
    }
}

void Wheel::add_text(std::string path, std::string_view content, unsigned mode) {
    archive::check_entry_path(label(), path, k_noun);
    const std::filesystem::path file = fs::make_temp_file(work_dir(), "text-");
    fs::write_file_atomic(file, content, 0644);
    add({std::move(path), file, mode});
}

void Wheel::remove(std::string_view path) {
    std::erase_if(m_entries, [&](const WheelEntry& entry) {
        if (entry.path != path) return false;
        discard_file(entry);
        return true;
    });
}

void Wheel::write(const std::filesystem::path& file, long long source_date_epoch) const {
    const std::string label = file.string();
    const std::string dist = find_dist_info(m_entries, label);
    const std::string record_path = dist + "/RECORD";
    std::vector<const WheelEntry*> files;
    std::set<std::string_view> seen;
    for (const WheelEntry& entry : m_entries) {
        archive::check_entry_path(label, entry.path, k_noun);
        if (!seen.insert(entry.path).second) fail("{}: entry '{}' appears twice", label, entry.path);
        if (entry.path != record_path) files.push_back(&entry);
    }
    const std::string dist_prefix = dist + "/";
    auto key = [&](const WheelEntry* entry) {
        return std::pair(entry->path.starts_with(dist_prefix), std::string_view(entry->path));
    };
    std::sort(files.begin(), files.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
    std::vector<RecordFile> recorded;
    std::vector<archive::ZipEntryView> zip;
    for (const WheelEntry* entry : files) {
        recorded.push_back(record_file(*entry));
        zip.push_back({entry->path, {}, entry->mode, &entry->file});
    }
    const std::string record = make_record(recorded, dist);
    zip.push_back({record_path, record, 0644});
    archive::write_zip(file, zip, source_date_epoch);
}

std::vector<std::string> Wheel::verify_record() const {
    std::string dist;
    try {
        dist = dist_info();
    } catch (const Error& error) {
        return {error.what()};
    }
    const std::string path = dist + "/RECORD";
    if (!find(path)) return {fmt::format("{}: no {}", label(), path)};
    std::vector<RecordFile> files;
    for (const WheelEntry& entry : m_entries) files.push_back(record_file(entry));
    return check_record(text(path), files, dist);
}

}  // namespace xbuild::python
