#include "python/wheel_record.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"

namespace xbuild::python {

namespace {

using text::printable;

unsigned byte(std::string_view s, size_t at) {
    return static_cast<unsigned char>(s[at]);
}

// One RECORD line (Python's csv dialect: fields with ',' or '"' are quoted, '"' doubled).
std::optional<std::vector<std::string>> parse_csv_line(std::string_view line) {
    std::vector<std::string> fields(1);
    bool quoted = false, field_start = true;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
            fields.back() += line[++i];
        else if (c == '"' && (quoted || field_start))
            quoted = !quoted;
        else if (c == ',' && !quoted)
            fields.emplace_back();
        else
            fields.back() += c;
        field_start = c == ',' && !quoted;
    }
    if (quoted) return std::nullopt;
    return fields;
}

std::string csv_field(std::string_view field) {
    if (field.find_first_of(",\"") == std::string_view::npos) return std::string(field);
    std::string out = "\"";
    for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// RECORD and its signatures are not listed with a hash.
bool unhashed(std::string_view path, std::string_view dist) {
    return path.starts_with(dist) && path.size() > dist.size() && path[dist.size()] == '/' &&
           (path.substr(dist.size() + 1) == "RECORD" || path.substr(dist.size() + 1) == "RECORD.jws" ||
            path.substr(dist.size() + 1) == "RECORD.p7s");
}

}  // namespace

std::string urlsafe_b64_nopad(std::string_view bytes) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        size_t n = std::min<size_t>(3, bytes.size() - i);
        unsigned group =
            byte(bytes, i) << 16 | (n > 1 ? byte(bytes, i + 1) << 8 : 0) | (n > 2 ? byte(bytes, i + 2) : 0);
        for (size_t k = 0; k <= n; ++k) out += k_alphabet[group >> (18 - 6 * k) & 63];
    }
    return out;
}

std::string record_hash(std::string_view data) {
    hash::Sha256 hasher;
    hasher.update(data);
    return record_hash_of_digest(hasher.digest());
}

std::string record_hash_of_digest(std::string_view sha256) {
    return "sha256=" + urlsafe_b64_nopad(sha256);
}

RecordFile record_file(std::string_view path, std::string_view data) {
    return {path, record_hash(data), data.size()};
}

std::string make_record(std::span<const RecordFile> files, std::string_view dist_info) {
    std::string record;
    for (const RecordFile& file : files) {
        if (unhashed(file.path, dist_info)) continue;
        record += fmt::format("{},{},{}\n", csv_field(file.path), file.hash, file.size);
    }
    return record + csv_field(fmt::format("{}/RECORD", dist_info)) + ",,\n";
}

std::vector<std::string> check_record(std::string_view record, std::span<const RecordFile> files,
                                      std::string_view dist_info) {
    const std::string path = fmt::format("{}/RECORD", dist_info);
    std::vector<std::string> problems;
    auto problem = [&](const std::string& text) { problems.push_back(path + ": " + text); };
    std::map<std::string_view, const RecordFile*> by_path;
    for (const RecordFile& file : files) by_path.emplace(file.path, &file);
    std::set<std::string, std::less<>> listed;
    size_t number = 0;
    for (std::string_view line : text::lines(record)) {
        ++number;
        if (line.empty()) continue;
        auto fields = parse_csv_line(line);
        if (!fields || fields->size() != 3) {
            problem(fmt::format("line {} is malformed", number));
            continue;
        }
        const std::string& name = (*fields)[0];
        const std::string& hash = (*fields)[1];
        const std::string& size = (*fields)[2];
        auto found = by_path.find(name);
        const RecordFile* file = found == by_path.end() ? nullptr : found->second;
        if (!listed.insert(name).second) {
            problem(fmt::format("'{}' is listed twice", printable(name)));
            continue;
        }
        if (!file) {
            problem(fmt::format("lists '{}', which is not in the wheel", printable(name)));
            continue;
        }
        if (unhashed(name, dist_info)) continue;
        if (!hash.starts_with("sha256="))
            problem(fmt::format("'{}' has no sha256 hash", printable(name)));
        else if (hash != file->hash)
            problem(fmt::format("the sha256 of '{}' does not match its content", printable(name)));
        if (size != std::to_string(file->size))
            problem(fmt::format("'{}' has size '{}' in RECORD but {} bytes in the wheel", printable(name),
                                printable(size), file->size));
    }
    for (const RecordFile& file : files)
        if (!listed.count(file.path) && !unhashed(file.path, dist_info))
            problem(fmt::format("'{}' is not listed", printable(file.path)));
    return problems;
}

}  // namespace xbuild::python
