#pragma once
// The app layer's files: [[image.files]] of xbuild.toml, copied from the project into a staging
// tree that stands for the image's "/".
#include <filesystem>
#include <string>
#include <vector>

#include "image/image_config.hpp"

namespace xbuild::image {

// Copies each entry's matches (a glob relative to the project; directories recursively, symlinks as
// symlinks, never followed) to its image path below root: into the directory `to` when it ends with
// '/' or several paths match, else as the file `to`. Modes: directories 0755, files 0755 when any
// execute bit is set, else 0644. Throws Error naming xbuild.toml's entry for a glob that matches
// nothing, a source outside the project (through a symlink), or a destination that would go
// through a symlink or replace a file copied before. Returns the image paths written, sorted.
std::vector<std::string> copy_app_files(const ImageConfig& config, const std::filesystem::path& root);

}  // namespace xbuild::image
