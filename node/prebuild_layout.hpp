#pragma once
// Where prebuilds go, by node-gyp-build's rules (its load.resolve): prebuilds/<platform>-<arch>/
// holds .node files whose dot-separated name parts are tags; a file matches when each tag it has
// matches the running Node ("napi" or "abi<NODE_MODULE_VERSION>", "armv<N>", "glibc" or "musl"),
// and the most specific match wins. xbuild writes the tags explicitly:
//   prebuilds/linux-arm64/<name>.napi.glibc.node
//   prebuilds/linux-arm/<name>.napi.armv7.glibc.node
//   prebuilds/linux-x64/<name>.abi115.glibc.node        (--abi: V8/NAN addons, one Node ABI)
// so that a glibc build is never picked on musl and an ABI build only by its Node.
#include <string>

#include "builder/core/arch.hpp"

namespace xbuild::node {

// "linux-arm64": the directory of arch's prebuilds.
std::string platform_dir(const Arch& arch);

struct PrebuildTags {
    int abi = 0;  // NODE_MODULE_VERSION for an ABI-specific build; 0: Node-API ("napi")
    std::string libc = "glibc";
};

// "<name>.napi.glibc.node", with "armv<N>" for 32-bit arm. name must hold no dot.
std::string prebuild_file_name(const std::string& name, const Arch& arch, const PrebuildTags& tags);

}  // namespace xbuild::node
