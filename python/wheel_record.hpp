#pragma once
// RECORD, the manifest of a wheel (<name>.dist-info/RECORD): one CSV line per file with its sha256
// and size, written as the binary distribution format spec says and checked as pip checks it.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::python {

// A file of a wheel as RECORD sees it: its path (a view the caller keeps alive), hash and size.
struct RecordFile {
    std::string_view path;
    std::string hash;  // "sha256=<urlsafe_b64_nopad(digest)>"
    std::uint64_t size = 0;
};

// Base64 with the URL-safe alphabet (- and _) and no '=' padding, as RECORD hashes are written.
std::string urlsafe_b64_nopad(std::string_view bytes);
// "sha256=<urlsafe_b64_nopad(digest)>" of data.
std::string record_hash(std::string_view data);
// The same from the 32 bytes of a SHA-256 digest.
std::string record_hash_of_digest(std::string_view sha256);
// The RecordFile of content held in memory.
RecordFile record_file(std::string_view path, std::string_view data);

// The content of <dist_info>/RECORD for files, in their order: "path,sha256=...,size" lines (paths
// quoted as Python's csv module quotes them), then "<dist_info>/RECORD,,". RECORD and its signatures
// (RECORD.jws, RECORD.p7s) among files are not listed.
std::string make_record(std::span<const RecordFile> files, std::string_view dist_info);

// Checks record (the content of <dist_info>/RECORD) against files (every file of the wheel, with the
// hash and size of its content): every file listed once, with its sha256 and size (RECORD and its signatures
// need not be listed, and are listed without them). Returns the problems, one line each starting
// "<dist_info>/RECORD: "; empty when RECORD is right.
std::vector<std::string> check_record(std::string_view record, std::span<const RecordFile> files,
                                      std::string_view dist_info);

}  // namespace xbuild::python
