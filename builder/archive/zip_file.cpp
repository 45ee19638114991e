#include "builder/archive/zip_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "builder/archive/zip_directory.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/text.hpp"

namespace xbuild::archive {

namespace {

using text::printable;

unsigned byte(std::string_view s, size_t at) {
    return static_cast<unsigned char>(s[at]);
}

// Well-formed UTF-8: no overlong forms, surrogates or code points above U+10FFFF.
bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        unsigned c = byte(s, i);
        size_t extra = c < 0x80                ? 0
                       : c >= 0xc2 && c < 0xe0 ? 1
                       : c >= 0xe0 && c < 0xf0 ? 2
                       : c >= 0xf0 && c < 0xf5 ? 3
                                               : 9;
        if (extra == 9 || (extra > 0 && i + extra >= s.size())) return false;
        for (size_t k = 1; k <= extra; ++k)
            if ((byte(s, i + k) & 0xc0) != 0x80) return false;
        unsigned next = extra > 0 ? byte(s, i + 1) : 0;
        if ((c == 0xe0 && next < 0xa0) || (c == 0xed && next > 0x9f) || (c == 0xf0 && next < 0x90) ||
            (c == 0xf4 && next > 0x8f))
            return false;
        i += extra + 1;
    }
    return true;
}

la_ssize_t write_to_fd(::archive*, void* fd, const void* buffer, size_t size) {
    for (size_t done = 0; done < size;) {
        const ssize_t n =
            ::write(*static_cast<int*>(fd), static_cast<const char*>(buffer) + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        done += static_cast<size_t>(n);
    }
    return static_cast<la_ssize_t>(size);
}

// A temporary file removed when it goes out of scope, unless it was renamed into place.
class PendingFile {
  public:
    explicit PendingFile(const std::filesystem::path& file) : m_file(file), m_temp(file) {
        m_temp += ".tmp-" + std::to_string(::getpid());
        m_fd = Fd(::open(m_temp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!m_fd) fail("failed to create {}: {}", m_temp.string(), errno_text(errno));
    }
    PendingFile(const PendingFile&) = delete;
    PendingFile& operator=(const PendingFile&) = delete;
    ~PendingFile() {
        if (!m_temp.empty()) ::unlink(m_temp.c_str());
    }
    int fd() const { return m_fd.get(); }
    void commit() {
        m_fd.reset();
        if (::rename(m_temp.c_str(), m_file.c_str()) != 0)
            fail("failed to rename {} to {}: {}", m_temp.string(), m_file.string(), errno_text(errno));
        m_temp.clear();
    }

  private:
    std::filesystem::path m_file, m_temp;
    Fd m_fd;
};

// Streams one entry's content into the archive; its size must be the one announced in its header.
void write_content(::archive* a, const ZipEntryView& entry, std::uint64_t size, const std::string& label) {
    if (!entry.file) {
        if (archive_write_data(a, entry.data.data(), entry.data.size()) !=
            static_cast<la_ssize_t>(entry.data.size()))
            fail("{}: failed to write {}: {}", label, printable(entry.path), error_text(a));
        return;
    }
    Fd in(::open(entry.file->c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) fail("failed to open {}: {}", entry.file->string(), errno_text(errno));
    char buffer[65536];
    std::uint64_t done = 0;
    for (;;) {
        const ssize_t n = ::read(in.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("failed to read {}: {}", entry.file->string(), errno_text(errno));
        if (n == 0) break;
        done += static_cast<std::uint64_t>(n);
        if (done > size) break;
        if (archive_write_data(a, buffer, static_cast<size_t>(n)) != n)
            fail("{}: failed to write {}: {}", label, printable(entry.path), error_text(a));
    }
    if (done != size)
        fail("{}: {} changed size while it was written into the archive", label, entry.file->string());
}

std::uint64_t content_size(const ZipEntryView& entry) {
    if (!entry.file) return entry.data.size();
    struct stat st {};
    if (::stat(entry.file->c_str(), &st) != 0)
        fail("failed to stat {}: {}", entry.file->string(), errno_text(errno));
    if (!S_ISREG(st.st_mode)) fail("{}: not a regular file", entry.file->string());
    return static_cast<std::uint64_t>(st.st_size);
}

// Writes the zip into fd with libarchive, then sets every DOS time and date to mtime in UTC.
void write_zip_to(int fd, std::span<const ZipEntryView> entries, time_t mtime, const std::string& label) {
    Utf8Locale locale;  // names are UTF-8: libarchive then sets the zip's UTF-8 name flag
    WriteArchive writer(archive_write_new());
    ::archive* a = writer.get();
    auto check = [&](int status, std::string_view what) {
        if (status != ARCHIVE_OK) fail("{}: failed to write {}: {}", label, printable(what), error_text(a));
    };
    check(archive_write_set_format_zip(a), "zip format");
    check(archive_write_zip_set_compression_deflate(a), "deflate");
    check(archive_write_set_bytes_per_block(a, 0), "block size");
    int out = fd;
    check(archive_write_open(a, &out, nullptr, write_to_fd, nullptr), "archive");
    for (const ZipEntryView& file : entries) {
        const std::uint64_t size = content_size(file);
        ArchiveEntry entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), std::string(file.path).c_str());
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), file.mode & 0111 ? 0755 : 0644);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
        archive_entry_set_mtime(entry.get(), mtime, 0);
        check(archive_write_header(a, entry.get()), file.path);
        write_content(a, file, size, label);
    }
    check(archive_write_close(a), "archive");
    // libarchive writes DOS times in local time; the same zip must come out in every time zone.
    struct tm utc;
    gmtime_r(&mtime, &utc);
    const unsigned dos_time = utc.tm_hour << 11 | utc.tm_min << 5 | utc.tm_sec / 2;
    const unsigned dos_date = (utc.tm_year - 80) << 9 | (utc.tm_mon + 1) << 5 | utc.tm_mday;
    const unsigned char stamp[4] = {
        static_cast<unsigned char>(dos_time & 0xff), static_cast<unsigned char>(dos_time >> 8),
        static_cast<unsigned char>(dos_date & 0xff), static_cast<unsigned char>(dos_date >> 8)};
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail("{}: failed to stat: {}", label, errno_text(errno));
    const ZipDirectory directory =
        read_zip_directory(fd, static_cast<std::uint64_t>(st.st_size), label, entries.size());
    for (const ZipRecord& record : directory.records) {
        if (read_at(fd, record.local, 4, label, "local header") != "PK\3\4")
            fail("{}: libarchive wrote an unexpected zip layout", label);
        for (std::uint64_t at : {record.header + 12, record.local + 10})
            if (::pwrite(fd, stamp, sizeof stamp, static_cast<off_t>(at)) !=
                static_cast<ssize_t>(sizeof stamp))
                fail("{}: failed to write: {}", label, errno_text(errno));
    }
}

}  // namespace

std::string error_text(::archive* a) {
    const char* text = archive_error_string(a);
    return text ? text : "unknown libarchive error";
}

void check_entry_path(std::string_view label, std::string_view path, std::string_view noun) {
    auto refuse = [&](std::string_view why) { fail("{}: entry '{}' {}", label, printable(path), why); };
    if (path.empty()) refuse("has an empty name");
    if (path.find('\0') != std::string_view::npos) refuse("has a NUL byte in its name");
    if (std::any_of(path.begin(), path.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        refuse("has a control character in its name");
    if (path.find('\\') != std::string_view::npos) refuse("has a backslash in its name");
    if (path.front() == '/') refuse("is an absolute path");
    if (!valid_utf8(path)) refuse("has a name that is not UTF-8");
    bool empty_component = false, dot_component = false;
    for (size_t start = 0;;) {
        size_t slash = path.find('/', start);
        std::string_view component = path.substr(start, slash - start);
        if (component == "..") fail("{}: entry '{}' escapes the {}", label, printable(path), noun);
        empty_component |= component.empty();
        dot_component |= component == ".";
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (empty_component) refuse("has an empty path component");
    if (dot_component) refuse("has a '.' path component");
}

void write_zip(const std::filesystem::path& file, std::span<const ZipEntryView> entries,
               long long source_date_epoch) {
    const std::string label = file.string();
    std::set<std::string_view> seen;
    for (const ZipEntryView& entry : entries) {
        check_entry_path(label, entry.path);
        if (!seen.insert(entry.path).second) fail("{}: entry '{}' appears twice", label, entry.path);
    }
    // Zip (DOS) times run from 1980-01-01 00:00:00 to 2107-12-31 23:59:58.
    const long long mtime = std::clamp(source_date_epoch, 315532800LL, 4354819198LL);
    PendingFile pending(file);
    write_zip_to(pending.fd(), entries, static_cast<time_t>(mtime), label);
    pending.commit();
}

}  // namespace xbuild::archive
