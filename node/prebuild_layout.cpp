#include "node/prebuild_layout.hpp"

#include <fmt/format.h>

#include "builder/core/error.hpp"

namespace xbuild::node {

std::string platform_dir(const Arch& arch) {
    return "linux-" + std::string(arch.node);
}

std::string prebuild_file_name(const std::string& name, const Arch& arch, const PrebuildTags& tags) {
    if (name.empty() || name.find('.') != std::string::npos || name.find('/') != std::string::npos)
        fail("'{}' cannot start a prebuild's file name (no dots or slashes)", name);
    std::string file = name;
    file += tags.abi > 0 ? fmt::format(".abi{}", tags.abi) : std::string(".napi");
    // node-gyp-build's armv tag: process.config's arm_version (7 on armhf); arm64 counts as 8 and
    // needs no tag.
    if (arch.node == "arm") file += ".armv7";
    file += "." + tags.libc + ".node";
    return file;
}

}  // namespace xbuild::node
