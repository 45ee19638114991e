#include "image/package_index.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "builder/archive/zip_file.hpp"
#include "builder/core/atomic_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"
#include "image/oci/http.hpp"

namespace xbuild::image {

namespace stdfs = std::filesystem;

namespace {

using text::printable;

// The largest index accepted from a mirror (trixie's amd64 one is 13 MB).
constexpr std::size_t max_download = std::size_t{512} << 20;

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

// A Debian package name: [a-z0-9][a-z0-9+.-]+ (Debian Policy 5.6.1).
bool is_package_name(std::string_view name) {
    if (name.size() < 2 || !(std::islower(static_cast<unsigned char>(name[0])) ||
                             std::isdigit(static_cast<unsigned char>(name[0]))))
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
               c == '+' || c == '.' || c == '-';
    });
}

// Matches the lines of a Contents index against the sonames asked for.
class ContentsScanner {
  public:
    ContentsScanner(const std::vector<std::string>& sonames, const Arch& arch) : m_dirs(library_dirs(arch)) {
        for (const std::string& soname : sonames) m_found[soname];
        for (auto& [soname, packages] : m_found) m_wanted.emplace(soname, &packages);
    }

    // One line without its '\n': "<path><spaces><section/package>[,<section/package>...]".
    void line(std::string_view line) {
        while (!line.empty() && (line.back() == '\r' || is_space(line.back()))) line.remove_suffix(1);
        std::size_t split = line.size();
        while (split > 0 && !is_space(line[split - 1])) --split;
        if (split == 0) return;  // no package column: a header line
        std::string_view packages = line.substr(split);
        std::string_view path = line.substr(0, split);
        while (!path.empty() && is_space(path.back())) path.remove_suffix(1);
        const std::size_t slash = path.rfind('/');
        auto wanted = m_wanted.find(path.substr(slash == std::string_view::npos ? 0 : slash + 1));
        if (wanted == m_wanted.end()) return;
        std::string_view dir = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
        if (dir.starts_with("./")) dir.remove_prefix(2);
        if (dir.starts_with('/')) dir.remove_prefix(1);
        if (std::find(m_dirs.begin(), m_dirs.end(), dir) == m_dirs.end()) return;
        while (!packages.empty()) {
            std::string_view entry = packages.substr(0, packages.find(','));
            packages.remove_prefix(std::min(packages.size(), entry.size() + 1));
            if (std::size_t section = entry.rfind('/'); section != std::string_view::npos)
                entry.remove_prefix(section + 1);
            if (is_package_name(entry)) wanted->second->emplace_back(entry);
        }
    }

    Providers result() && {
        for (auto& [soname, packages] : m_found) {
            std::sort(packages.begin(), packages.end());
            packages.erase(std::unique(packages.begin(), packages.end()), packages.end());
        }
        return std::move(m_found);
    }

  private:
    std::vector<std::string> m_dirs;
    Providers m_found;
    std::unordered_map<std::string_view, std::vector<std::string>*> m_wanted;  // keys view m_found's
};

}  // namespace

std::vector<std::string> library_dirs(const Arch& arch) {
    const std::string triplet(arch.gnu_triplet);
    std::vector<std::string> dirs{"lib/" + triplet, "usr/lib/" + triplet, "lib", "usr/lib"};
    if (arch.elf_class == 64) {
        dirs.emplace_back("lib64");
        dirs.emplace_back("usr/lib64");
    }
    return dirs;
}

Providers scan_contents(const stdfs::path& contents_gz, const std::vector<std::string>& sonames,
                        const Arch& arch) {
    const std::string name = contents_gz.string();
    archive::ReadArchive reader(archive_read_new());
    ::archive* a = reader.get();
    if (archive_read_support_filter_gzip(a) != ARCHIVE_OK || archive_read_support_format_raw(a) != ARCHIVE_OK)
        fail("{}: cannot set up gzip reading: {}", name, archive::error_text(a));
    if (archive_read_open_filename(a, contents_gz.c_str(), 1 << 16) != ARCHIVE_OK)
        fail("cannot read the Contents index {}: {}", name, archive::error_text(a));
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) fail("{}: the Contents index is empty", name);
    if (status != ARCHIVE_OK)
        fail("{}: not a gzip-compressed Contents index: {}", name, archive::error_text(a));
    if (archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP)
        fail("{}: not a gzip-compressed Contents index (it does not start with the gzip magic)", name);

    ContentsScanner scanner(sonames, arch);
    std::string pending;  // the bytes after the last complete line
    std::array<char, 1 << 16> buffer;
    for (;;) {
        const la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
        if (n < 0) fail("{}: corrupt or truncated gzip: {}", name, archive::error_text(a));
        if (n == 0) break;
        std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
        std::size_t start = 0;
        if (!pending.empty()) {
            const std::size_t newline = chunk.find('\n');
            if (newline == std::string_view::npos) {
                pending.append(chunk);
                if (pending.size() > (1 << 20))
                    fail("{}: a line longer than 1 MiB: not a Contents index", name);
                continue;
            }
            pending.append(chunk.substr(0, newline));
            scanner.line(pending);
            pending.clear();
            start = newline + 1;
        }
        for (;;) {
            const std::size_t newline = chunk.find('\n', start);
            if (newline == std::string_view::npos) break;
            scanner.line(chunk.substr(start, newline - start));
            start = newline + 1;
        }
        pending.assign(chunk.substr(start));
    }
    if (!pending.empty()) scanner.line(pending);
    return std::move(scanner).result();
}

PackageIndex::PackageIndex(stdfs::path cache_dir, std::string mirror, std::string suite, const Arch& arch)
    : m_cache_dir(std::move(cache_dir)), m_arch(&arch) {
    while (mirror.ends_with('/')) mirror.pop_back();
    if (!(mirror.starts_with("http://") || mirror.starts_with("https://")) ||
        std::any_of(mirror.begin(), mirror.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
        fail("the Debian mirror '{}' is not an http:// or https:// URL", printable(mirror));
    if (suite.empty() || suite.front() == '.' || !std::all_of(suite.begin(), suite.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
        }))
        fail("the suite '{}' is not a Debian suite name (letters, digits, '-', '.', '_')", printable(suite));
    const std::string debian_arch(arch.debian);
    m_url = fmt::format("{}/dists/{}/main/Contents-{}.gz", mirror, suite, debian_arch);
    m_cache_path = m_cache_dir / fmt::format("Contents-{}-{}-{}.gz", suite, debian_arch,
                                             hash::sha256_hex(mirror).substr(0, 8));
}

Providers PackageIndex::download(const std::vector<std::string>& sonames) {
    fs::make_dirs(m_cache_dir);
    oci::HttpRequest request;
    request.url = m_url;
    request.follow_redirects = true;
    request.max_body = max_download + 1;
    oci::HttpResponse response;
    try {
        oci::HttpClient client;
        response = client.send(request);
    } catch (const Error& e) {
        fail("cannot download the Debian Contents index: {}", e.what());
    }
    if (response.status != 200)
        fail("cannot download the Debian Contents index {}: HTTP status {}", m_url, response.status);
    if (response.body.size() > max_download)
        fail("the Debian Contents index {} is larger than {} MiB: refused", m_url, max_download >> 20);
    fs::AtomicFile file = fs::AtomicFile::next_to(m_cache_path);
    file.write(response.body);
    Providers found;
    try {
        found = scan_contents(file.temp_path(), sonames, *m_arch);  // a complete index, before it is kept
    } catch (const Error& e) {
        fail("the Debian Contents index downloaded from {} is unusable: {}", m_url, e.what());
    }
    file.commit(m_cache_path, 0644);
    return found;
}

stdfs::path PackageIndex::contents_file() {
    std::error_code error;
    if (!stdfs::is_regular_file(m_cache_path, error)) download({});
    return m_cache_path;
}

Providers PackageIndex::providers(const std::vector<std::string>& sonames) {
    if (sonames.empty()) return {};
    std::error_code error;
    if (!stdfs::is_regular_file(m_cache_path, error)) return download(sonames);  // one scan serves both
    try {
        return scan_contents(m_cache_path, sonames, *m_arch);
    } catch (const Error& e) {
        std::error_code ignored;
        stdfs::remove(m_cache_path, ignored);
        fail("{} (the cached index was removed; the next run downloads it again)", e.what());
    }
}

std::vector<std::string> PackageIndex::providers(const std::string& soname) {
    return providers(std::vector<std::string>{soname}).at(soname);
}

}  // namespace xbuild::image
