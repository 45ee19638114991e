#pragma once
// Zip files: the entry-name rules shared by the reader (zip_extract.hpp) and the writer, and the
// reproducible writer, which streams each entry's content from its file. libarchive writes the zip;
// its DOS times are then set in UTC through the central directory (zip_directory.hpp).
//
// Note: inside namespace xbuild (and with `using namespace xbuild`), `archive` names this namespace;
// libarchive's handle type must be spelled `::archive` there.
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builder/core/handle.hpp"

// Defined in libarchive_shim.cpp, which tells why. The reference below, emitted by every file that
// includes this header, makes the linker take that definition from libxbuild_core.a before it reaches
// libarchive.a, whose own definition would link libxml2 and ICU into the program.
extern "C" void __archive_write_entry_filetype_unsupported(::archive* a, archive_entry* entry,
                                                           const char* format);

namespace xbuild::archive {

[[gnu::used]] inline constexpr auto* k_libarchive_shim = &__archive_write_entry_filetype_unsupported;

// A libarchive handle just made by archive_*_new(): none (out of memory) throws std::bad_alloc.
template <class T, auto Free>
class NewHandle : public Handle<T, Free> {
  public:
    explicit NewHandle(T* handle) : Handle<T, Free>(handle) {
        if (!handle) throw std::bad_alloc();
    }
};
using ReadArchive = NewHandle<::archive, archive_read_free>;
using WriteArchive = NewHandle<::archive, archive_write_free>;
using ArchiveEntry = NewHandle<archive_entry, archive_entry_free>;

// libarchive converts entry names between UTF-8 and the locale's charset, which fails for non-ASCII
// names in the C locale. A C.UTF-8 locale for this thread only (uselocale) leaves the host process alone.
class Utf8Locale {
  public:
    Utf8Locale() : m_locale(newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{})) {
        if (m_locale) m_previous = uselocale(m_locale);
    }
    Utf8Locale(const Utf8Locale&) = delete;
    Utf8Locale& operator=(const Utf8Locale&) = delete;
    ~Utf8Locale() {
        if (!m_locale) return;
        uselocale(m_previous);
        freelocale(m_locale);
    }

  private:
    locale_t m_locale;
    locale_t m_previous = locale_t{};
};

// libarchive's message for the last error on a, or "unknown libarchive error".
std::string error_text(::archive* a);

// An entry to write: its content is read from file in chunks when file is set, else it is data (a view
// into memory that the caller keeps alive).
struct ZipEntryView {
    std::string_view path;
    std::string_view data;
    unsigned mode = 0644;  // only the executable bits count: written as 0755 or 0644
    const std::filesystem::path* file = nullptr;
};

// Refuses an entry name that could write outside the extraction directory or mean two things:
// empty, NUL or control characters, backslashes, absolute, invalid UTF-8, ".." ("escapes the
// <noun>"), empty or "." components. Throws Error "<label>: entry '<path>' <why>".
void check_entry_path(std::string_view label, std::string_view path, std::string_view noun = "archive");

// Writes entries, in their order, as a reproducible zip: deflate, every timestamp source_date_epoch
// (clamped to the zip range 1980..2107, zip DOS times in UTC), modes 0755 or 0644. Names are checked
// with check_entry_path and must be unique. Written to "<file>.tmp-<pid>" and renamed into place; on
// error the temporary file is removed. Contents are streamed: memory use does not grow with them.
void write_zip(const std::filesystem::path& file, std::span<const ZipEntryView> entries,
               long long source_date_epoch);

}  // namespace xbuild::archive
