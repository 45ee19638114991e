#pragma once
// The Python part of `xbuild image`: the wheels an image installs (projects built and tested by
// `xbuild wheels` for the image's archs and Python, or wheel files given as they are), installed per
// arch into the dependencies layer by WheelInstaller, optionally byte-compiled.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/stage/context.hpp"
#include "python/wheel_install.hpp"

namespace xbuild::python {

struct ImageWheelsRequest {
    std::vector<std::string> entries;  // project directories, or .whl files / globs, relative to dir
    std::filesystem::path dir;         // the image project
    std::vector<const Arch*> archs;
    std::string python_version;        // the image's Python ("3.13")
    std::filesystem::path wheelhouse;  // where built wheels are collected (scratch)
};

// Builds the project entries (cached and tested as `xbuild wheels` does) and resolves the file entries;
// returns every wheel, sorted. Throws Error for an entry that is neither, or a failed build.
std::vector<std::filesystem::path> collect_image_wheels(const stage::StageContext& context,
                                                        const ImageWheelsRequest& request);

// Installs into root, for image, one wheel of every distribution among wheels: the one whose tags
// run there. Throws Error naming the distribution when none of its wheels does. Each wheel is
// extracted into a temporary directory inside work_dir (empty: the system's), removed after its install.
std::vector<InstalledWheel> install_image_wheels(const std::vector<std::filesystem::path>& wheels,
                                                 const std::filesystem::path& root, const ImagePython& image,
                                                 const std::filesystem::path& work_dir = {});

// Byte-compiles the installed wheels' .py files with the image's own Python version (run in a host-arch
// extract-only stage: .pyc files do not depend on the arch), unchecked-hash .pyc files (reproducible, no
// mtimes), and adds them to each wheel's RECORD.
void compile_image_wheels(const stage::StageContext& context, const std::string& suite,
                          const ImagePython& image, const std::vector<InstalledWheel>& installed,
                          const std::filesystem::path& root);

}  // namespace xbuild::python
