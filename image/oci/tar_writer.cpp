#include "image/oci/tar_writer.hpp"

#include <unistd.h>

#include <cerrno>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::oci {

using text::printable;

TarWriter::TarWriter(Sink sink, long long mtime, std::string label)
    : m_sink(std::move(sink)), m_mtime(mtime), m_label(std::move(label)), m_archive(archive_write_new()) {
    if (mtime < 0) fail("{}: negative mtime {}", m_label, mtime);
    ::archive* a = m_archive.get();
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_open(a, this, nullptr, on_write, nullptr) != ARCHIVE_OK)
        fail("{}: cannot start the tar stream: {}", m_label, archive::error_text(a));
}

TarWriter::~TarWriter() {
    m_sink = nullptr;  // closing the handle (below, with the members) writes the end records
}

la_ssize_t TarWriter::on_write(::archive*, void* self, const void* buffer, size_t size) {
    auto* writer = static_cast<TarWriter*>(self);
    if (!writer->m_sink) return static_cast<la_ssize_t>(size);
    try {
        writer->m_sink(std::string_view(static_cast<const char*>(buffer), size));
        return static_cast<la_ssize_t>(size);
    } catch (...) {
        // Exceptions must not unwind through libarchive's C frames: rethrown after it returns.
        writer->m_sink_error = std::current_exception();
        return -1;
    }
}

archive::ArchiveEntry TarWriter::new_entry(std::string_view name, unsigned type, unsigned mode) const {
    if (m_finished) fail("{}: entry '{}' added after the end of the tar", m_label, printable(name));
    archive::ArchiveEntry entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), std::string(name).c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), mode & 07777);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(m_mtime), 0);
    archive_entry_set_size(entry.get(), 0);
    return entry;
}

void TarWriter::write_header(archive::ArchiveEntry& entry, std::string_view name) {
    // ARCHIVE_WARN counts as a failure: it means a name was stored in a form readers may not take
    // (libarchive's pax writer says so for a name that is not UTF-8).
    if (archive_write_header(m_archive.get(), entry.get()) != ARCHIVE_OK) {
        if (m_sink_error) std::rethrow_exception(m_sink_error);
        fail("{}: cannot add '{}': {}", m_label, printable(name), archive::error_text(m_archive.get()));
    }
}

void TarWriter::write_data(const void* data, size_t size, std::string_view name) {
    la_ssize_t written = archive_write_data(m_archive.get(), data, size);
    if (written != static_cast<la_ssize_t>(size)) {
        if (m_sink_error) std::rethrow_exception(m_sink_error);
        fail("{}: cannot write '{}': {}", m_label, printable(name), archive::error_text(m_archive.get()));
    }
}

void TarWriter::add_directory(std::string_view name, unsigned mode) {
    archive::ArchiveEntry entry = new_entry(name, AE_IFDIR, mode);
    write_header(entry, name);
}

void TarWriter::add_file(std::string_view name, unsigned mode, std::uint64_t size, int fd) {
    archive::ArchiveEntry entry = new_entry(name, AE_IFREG, mode);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    write_header(entry, name);
    static thread_local char buffer[1 << 16];
    for (std::uint64_t left = size; left > 0;) {
        ssize_t n = ::read(fd, buffer, left < sizeof buffer ? left : sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("{}: cannot read '{}': {}", m_label, printable(name), errno_text(errno));
        if (n == 0) fail("{}: '{}' became shorter while it was read", m_label, printable(name));
        write_data(buffer, static_cast<size_t>(n), name);
        left -= static_cast<std::uint64_t>(n);
    }
    char extra;
    ssize_t n;
    while ((n = ::read(fd, &extra, 1)) < 0 && errno == EINTR) {
    }
    if (n > 0) fail("{}: '{}' grew while it was read", m_label, printable(name));
}

void TarWriter::add_bytes(std::string_view name, unsigned mode, std::string_view data) {
    archive::ArchiveEntry entry = new_entry(name, AE_IFREG, mode);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
    write_header(entry, name);
    if (!data.empty()) write_data(data.data(), data.size(), name);
}

void TarWriter::add_symlink(std::string_view name, std::string_view target) {
    archive::ArchiveEntry entry = new_entry(name, AE_IFLNK, 0777);
    archive_entry_set_symlink(entry.get(), std::string(target).c_str());
    write_header(entry, name);
}

void TarWriter::add_hardlink(std::string_view name, std::string_view target, unsigned mode) {
    archive::ArchiveEntry entry = new_entry(name, AE_IFREG, mode);
    archive_entry_set_hardlink(entry.get(), std::string(target).c_str());
    write_header(entry, name);
}

void TarWriter::finish() {
    if (m_finished) return;
    m_finished = true;
    if (archive_write_close(m_archive.get()) != ARCHIVE_OK) {
        if (m_sink_error) std::rethrow_exception(m_sink_error);
        fail("{}: cannot finish the tar stream: {}", m_label, archive::error_text(m_archive.get()));
    }
}

}  // namespace xbuild::oci
