#pragma once
// Whether a wheel's tags can run on an image: the image's CPython (cpXY, abi3 for older cp3Y, the
// pure py3 tags) and its platform (any, linux_<arch>, manylinux for its arch and glibc), by the
// rules of packaging.tags (what pip accepts), for a Debian image: CPython, glibc, no musl.
#include <optional>
#include <string>
#include <string_view>

#include "python/wheel_name.hpp"

namespace xbuild::python {

// The Python and platform of an image, as far as wheel tags care.
struct ImagePython {
    std::string python_version = "3.13";  // "3.X" of the image's CPython
    std::string arch;                     // any name arch_from_name knows: "arm64", "aarch64", "amd64"
    std::string glibc_version = "2.41";   // the image's glibc

    // "CPython 3.13, aarch64, glibc 2.41", for messages. Throws Error like check_tag.
    std::string describe() const;
};

struct TagCheck {
    bool compatible = false;
    // Why not, when not compatible: "cp311-cp311-manylinux_2_17_aarch64 is for CPython 3.11, the
    // image has 3.13"; empty when compatible.
    std::string reason;
};

// Whether one tag triple ("cp313-abi3-manylinux_2_17_x86_64") runs on image. Throws Error when image
// itself is invalid (a python_version or glibc_version that is not "X.Y", an unknown arch).
TagCheck check_tag(std::string_view tag, const ImagePython& image);

// The first of the wheel's tags (in file-name order) that runs on image. Throws Error naming the
// wheel file and, for every tag, why it does not run on image.
std::string compatible_tag(const WheelName& wheel, const ImagePython& image);

// The minor version of Python 3 in "3.13" or in a python tag "cp313" / "py39": 13, 9; nullopt for
// anything else (another major version, no minor, not a number).
std::optional<unsigned> python3_minor(std::string_view version_or_tag);

}  // namespace xbuild::python
