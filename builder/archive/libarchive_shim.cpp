// Our own definition of a libarchive-internal helper, so that linking a libarchive writer does not
// link libxml2 and ICU.
//
// Why: libarchive (3.6.2, linked statically) has its zip, pax, ustar, gnutar, v7tar, shar and warc
// writers call __archive_write_entry_filetype_unsupported() for an entry type the format can not
// hold. The function lives in archive_write_set_format.o, next to the table that maps format codes
// to the setters of ALL writer formats; pulling that object in for the helper pulls in every writer,
// the xar writer among them, which needs libxml2 (and libxml2 needs ICU). Those are then loaded by
// every process that runs xbuild code, while the xbuild binary must load only libc at start-up: it is
// exec'd for every sandbox entry.
//
// How: the same function (signature and messages as libarchive 3.6.2's) is defined here, in
// libxbuild_core.a, which comes before libarchive.a on the link line. The linker takes a member of a
// static library only for a symbol that is still undefined when it reaches it, so this object must
// be wanted by an object linked earlier: builder/archive/zip_file.hpp (the libarchive handle wrappers)
// makes every file that includes it reference this function. A program that calls libarchive's
// writers without including that header gets libarchive's definition, and libxml2 with it. If
// something calls archive_write_set_format() or archive_write_set_format_by_name() (the tables),
// the link fails with a duplicate definition of this function instead of bringing libxml2 back.
#include <archive.h>
#include <archive_entry.h>

#include <cerrno>

#include "builder/archive/zip_file.hpp"  // the declaration, checked against this definition

// The definition mirrors libarchive 3.4 to 3.7 (the versions Debian 11, 12 and 13 ship; 3.4.3 is the one
// xbuild's own wheels link, from their manylinux_2_31 floor; its function has the same callers and
// messages, checked 2026-12-03). Another version may have changed either: compare its
// archive_write_set_format.c with this file, then widen the range.
static_assert(ARCHIVE_VERSION_NUMBER >= 3004000 && ARCHIVE_VERSION_NUMBER < 3008000,
              "libarchive_shim.cpp mirrors a private function of libarchive 3.4-3.7: check it against this "
              "libarchive version");

// libarchive's archive_platform.h (not installed) defines it as EFTYPE where there is one, else EILSEQ.
#ifdef EFTYPE
#define ARCHIVE_ERRNO_FILE_FORMAT EFTYPE
#else
#define ARCHIVE_ERRNO_FILE_FORMAT EILSEQ
#endif

// libarchive's own declaration (archive_write_set_format_private.h) returns nothing: its callers
// set their ARCHIVE_FAILED status themselves.
extern "C" void __archive_write_entry_filetype_unsupported(archive* a, archive_entry* entry,
                                                           const char* format) {
    const char* name = nullptr;
    switch (archive_entry_filetype(entry)) {
        // All formats can archive regular files (AE_IFREG).
        case AE_IFDIR:
            name = "directories";
            break;
        case AE_IFLNK:
            name = "symbolic links";
            break;
        case AE_IFCHR:
            name = "character devices";
            break;
        case AE_IFBLK:
            name = "block devices";
            break;
        case AE_IFIFO:
            name = "named pipes";
            break;
        case AE_IFSOCK:
            name = "sockets";
            break;
        default:
            break;
    }
    if (name) {
        archive_set_error(a, ARCHIVE_ERRNO_FILE_FORMAT, "%s: %s format cannot archive %s",
                          archive_entry_pathname(entry), format, name);
    } else {
        archive_set_error(a, ARCHIVE_ERRNO_FILE_FORMAT, "%s: %s format cannot archive files with mode 0%lo",
                          archive_entry_pathname(entry), format,
                          static_cast<unsigned long>(archive_entry_mode(entry)));
    }
}
