#pragma once
// node_modules for an image's Node app: the app's dependencies installed by npm (fetch phase,
// host-arch stage, network on, no install scripts), with the local addon packages the image names
// built by `xbuild prebuild` for the image's archs and installed from their `npm pack` tarballs, as
// a registry would serve them. Per arch, the tree is copied with only the prebuilds that arch loads.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/stage/context.hpp"

namespace xbuild::node {

struct AppModulesRequest {
    std::filesystem::path app_dir;                // the image project; its package.json is optional
    std::vector<std::filesystem::path> packages;  // local addon package directories
    std::vector<const Arch*> archs;
    std::string suite;           // the Node that builds, installs and runs
    std::filesystem::path work;  // scratch, kept until the image is assembled
};

struct NpmPackage {
    std::string name, version;
};

// Builds the addons' prebuilds (tested, cached), packs the packages and installs everything into
// work/app/node_modules, which is returned ("" when the app has no dependencies at all). Throws Error
// when a build or npm fails, or when a packed addon lacks its prebuilds (package.json "files").
std::filesystem::path install_app_modules(const stage::StageContext& context,
                                          const AppModulesRequest& request);

// Copies node_modules to dest; in every package's prebuilds/ only the <platform>-<archs> directories
// node-gyp-build would pick on linux for arch are kept. Returns the packages copied (for the SBOM),
// sorted by name.
std::vector<NpmPackage> copy_node_modules(const std::filesystem::path& node_modules,
                                          const std::filesystem::path& dest, const Arch& arch);

}  // namespace xbuild::node
