#pragma once
// A reproducible tar stream (libarchive's restricted pax: ustar headers, a pax extended header only for
// what ustar can not hold, such as long or non-ASCII names). Every entry gets uid/gid 0, empty owner
// names, the writer's mtime and no atime, ctime, xattrs or ACLs; names are written as given, in the
// order given (callers sort). Bytes go to a sink as they are produced, in 10240-byte records, so a
// layer is never held in memory; the same calls give the same bytes.
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "builder/archive/zip_file.hpp"

namespace xbuild::oci {

class TarWriter {
  public:
    using Sink = std::function<void(std::string_view)>;

    // label names the tar in messages ("layer of /path/to/tree"). mtime: seconds since the epoch, >= 0.
    TarWriter(Sink sink, long long mtime, std::string label);
    TarWriter(const TarWriter&) = delete;
    TarWriter& operator=(const TarWriter&) = delete;
    // Unfinished (an error on the way), the sink gets nothing more.
    ~TarWriter();

    // name: relative, '/'-separated, without "./" (a directory gets its trailing '/' from libarchive).
    // mode: permission bits with setuid/setgid/sticky (07777).
    void add_directory(std::string_view name, unsigned mode);
    // Copies exactly size bytes from fd (read from its current offset); throws Error when the file is
    // shorter or longer than size (it changed while being read).
    void add_file(std::string_view name, unsigned mode, std::uint64_t size, int fd);
    void add_bytes(std::string_view name, unsigned mode, std::string_view data);
    void add_symlink(std::string_view name, std::string_view target);
    // A tar hardlink entry: name is another name of the earlier entry target.
    void add_hardlink(std::string_view name, std::string_view target, unsigned mode);
    // Writes the end-of-archive records; the writer can not be used afterwards.
    void finish();

  private:
    archive::ArchiveEntry new_entry(std::string_view name, unsigned type, unsigned mode) const;
    void write_header(archive::ArchiveEntry& entry, std::string_view name);
    void write_data(const void* data, size_t size, std::string_view name);
    static la_ssize_t on_write(::archive*, void* self, const void* buffer, size_t size);

    Sink m_sink;
    long long m_mtime;
    std::string m_label;
    std::exception_ptr m_sink_error;  // thrown by the sink inside libarchive's callback
    archive::Utf8Locale m_locale;     // names are UTF-8 in pax headers
    archive::WriteArchive m_archive;
    bool m_finished = false;
};

}  // namespace xbuild::oci
