#pragma once
// Installs wheels into an image's root filesystem the way pip does as root on Debian, without pip
// and without running any code of the image: files placed by the scheme, "#!python" scripts and
// entry-point launchers pointed at the image's interpreter, .dist-info completed (INSTALLER,
// RECORD rewritten with the installed paths). Stricter than pip: a wheel whose RECORD is wrong,
// whose tags do not run on the image, or that would overwrite a file is refused.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "python/wheel_compat.hpp"

namespace xbuild::python {

// Where a wheel's files go, relative to the image root ('/'-separated, no leading '/').
struct InstallScheme {
    std::string purelib;  // usr/local/lib/python3.13/dist-packages; platlib is the same
    std::string scripts;  // usr/local/bin
    std::string headers;  // usr/local/include/python3.13 (a distribution's go to <headers>/<Name>)
    std::string data;     // usr/local
};

// pip's scheme as root on Debian for python_version "3.X"; throws Error for another version form.
InstallScheme debian_scheme(std::string_view python_version);

enum class Requested { no, yes };

struct InstallOptions {
    ImagePython image;                    // the image's CPython, arch and glibc; wheels must run there
    std::string interpreter;              // shebang of scripts; empty: /usr/bin/python<image.python_version>
    Requested requested = Requested::no;  // write .dist-info/REQUESTED (the user asked for it)
    std::filesystem::path work_dir;       // where each wheel is extracted (a temporary directory inside
                                          // it, removed after the install); empty: the system's
};

// What one wheel installed; paths are image-absolute ("/usr/local/bin/pip") and sorted.
struct InstalledWheel {
    std::string name;     // METADATA Name as written: "PyYAML"
    std::string version;  // METADATA Version: "6.0.2"
    std::string wheel;    // the wheel's file name
    std::string tag;      // the wheel's tag that runs on the image: "cp313-cp313-manylinux_2_17_aarch64"
    std::vector<std::string> files;           // every file written, .dist-info ones included
    std::vector<std::string> python_sources;  // the .py files under purelib (to byte-compile)
    std::vector<std::string> scripts;         // files written to the scripts dir (launchers included)

    // The package URL for SBOMs: "pkg:pypi/pyyaml@6.0.2" (name normalized, version percent-encoded).
    std::string purl() const;
};

// Installs wheels, one after another, into root (the directory that stands for the image's "/",
// which must exist). Files are created, never replaced: a file that exists already is an error,
// and so is a file that another wheel of this installer wrote (the message names both wheels) or a
// distribution installed twice (here, or found in purelib). Nothing is written outside root: every
// destination is the scheme directory plus the wheel's validated entry path, and it is created
// component by component with O_NOFOLLOW, so a symlink in root where a directory or the file would
// go is refused. Errors throw Error naming the wheel and the file. Most are found before anything
// is written; a failure while writing (a planted symlink, an existing file, I/O) leaves the files
// written so far in root: the caller discards root, a staging directory, on error.
// Contents and modes (0644, 0755 for executables, 0755 directories) depend only on the wheels and
// the options; mtimes are left to the layer writer.
class WheelInstaller {
  public:
    // Throws Error for invalid options (image, interpreter) or a root that is not a directory.
    WheelInstaller(std::filesystem::path root, InstallOptions options);

    // Reads (Wheel::read) and installs one wheel. Refused: a file name that is not a wheel name,
    // a .dist-info that does not match it, WHEEL's Wheel-Version other than 1.x, a Root-Is-Purelib
    // other than true/false, tags that do not run on options.image, a RECORD that does not match
    // the content, METADATA without Name and Version or with another name, a top-level .data
    // directory other than <name>.data, a <name>.data/<key> other than purelib, platlib, scripts,
    // headers and data, a malformed console or GUI entry point, two files for one destination.
    InstalledWheel install(const std::filesystem::path& wheel);

    const InstallScheme& scheme() const { return m_scheme; }
    const std::string& interpreter() const { return m_options.interpreter; }

  private:
    std::filesystem::path m_root;
    InstallOptions m_options;
    InstallScheme m_scheme;
    std::map<std::string, std::string, std::less<>> m_owners;         // root-relative file -> wheel
    std::map<std::string, std::string, std::less<>> m_distributions;  // normalized name -> wheel
};

}  // namespace xbuild::python
