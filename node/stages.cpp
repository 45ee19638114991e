#include "node/stages.hpp"

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/build_tools.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "node/npm.hpp"

namespace xbuild::node {

namespace stdfs = std::filesystem;

namespace {

const stage::RecipeFile& node_recipes() {
    return stage::RecipeFile::get("node.toml");
}

}  // namespace

bool is_system_library(std::string_view soname) {
    static const std::vector<std::string> libraries = node_recipes().strings("system", "libraries");
    return std::find(libraries.begin(), libraries.end(), soname) != libraries.end();
}

PreparedStage prepare_host_toolchain(const StageContext& context, const std::string& suite,
                                     const Arch* multiarch) {
    // The plain toolchain base (the one the Python front end's wheels of the suite use too) with Node
    // and npm as a layer: a run that makes wheels and prebuilds builds one base, not two.
    stage::StageSpec spec;
    auto base =
        stage::ensure_toolchain_base(context, suite, host_arch(), multiarch ? *multiarch : host_arch(), spec);
    auto layer = stage::ensure_layer(context.cache,
                                     {base, spec.describe(), node_recipes().strings("toolchain", "packages")},
                                     context.launcher, context.reporter);
    return stage::prepared_from(base, layer, spec.describe());
}

PreparedStage prepare_toolchain(const StageContext& context, const NodeProject& project,
                                const NodeTarget& target, const PreparedStage& host_base) {
    PreparedStage prepared;
    stage::CacheEntry base;
    std::string description;
    std::vector<std::string> extra;
    if (target.emulate) {
        // The whole stage in the target arch: its maintainer scripts and the build run under qemu.
        // The plain toolchain base with Node as a layer: the Python front end shares the base.
        stage::require_arch(*target.arch, prepared);
        stage::StageSpec spec;
        base = stage::ensure_toolchain_base(context, project.config.suite, *target.arch, *target.arch, spec);
        description = spec.describe();
        extra = node_recipes().strings("toolchain", "emulated-packages");
    } else {
        auto found = context.cache.find(host_base.base_key);
        if (!found) fail("the toolchain stage {} left the cache while in use", host_base.description);
        base = *found;
        description = host_base.description;
        // The host layer's packages again: a project with no build tools compiles in that very layer.
        extra = node_recipes().strings("toolchain", "packages");
    }
    // The project's build-packages: its build tools run here, its libraries go to the sysroot.
    const auto build_packages =
        stage::split_build_packages(context, base, description, project.config.build_packages);
    extra.insert(extra.end(), build_packages.tools.begin(), build_packages.tools.end());
    if (project.build_system == BuildSystem::cmake_js) {
        auto cmake = node_recipes().strings("toolchain", "cmake-packages");
        extra.insert(extra.end(), cmake.begin(), cmake.end());
    }
    auto top =
        stage::ensure_layer(context.cache, {base, description, extra}, context.launcher, context.reporter);
    auto result = stage::prepared_from(base, top, description);
    result.extra_files = prepared.extra_files;
    if (!target.emulate)
        result.in_use.insert(result.in_use.end(), host_base.in_use.begin(), host_base.in_use.end());
    // The target half: the floor's C and C++ runtime and the project's build-packages that are not
    // build tools (libraries to link against: the target's, from the floor's suite). Node's headers
    // come from the build suite.
    auto sysroot = toolchain::ensure_sysroot(
        context, {*target.floor, *target.arch, build_packages.sysroot, {}, ""}, result);
    result.sysroot = sysroot.root;
    result.sysroot_key = sysroot.key;
    result.description += " + " + sysroot.description;
    return result;
}

stage::CacheEntry ensure_node_tools(const StageContext& context, const PreparedStage& host_base) {
    const stdfs::path recipe = stage::recipes_dir() / "node-tools";
    const std::string manifest = fs::read_file(recipe / "package.json");
    const std::string lock = fs::read_file(recipe / "package-lock.json");
    const std::string key =
        hash::sha256_hex("xbuild-node-tools 2\n" + host_base.key + "\n" + manifest + "\n" + lock)
            .substr(0, 24);
    auto build = [&](const stdfs::path& temp) {
        fs::make_dirs(temp / "root");
        fs::write_file_atomic(temp / "root/package.json", manifest);
        fs::write_file_atomic(temp / "root/package-lock.json", lock);
        int code = run_npm(context, host_base,
                           {temp / "root",
                            {},
                            {"npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"},
                            true,
                            temp / "build.log"});
        if (code != 0) fail("installing the npm tools (recipes/node-tools) failed (exit {})", code);
        if (!stdfs::exists(temp / "root/node_modules/node-gyp/bin/node-gyp.js"))
            fail("installing the npm tools (recipes/node-tools) gave no node-gyp");
        return nlohmann::json{
            {"kind", "node-tools"},
            {"base", host_base.key},
            {"description", "npm tools (node-gyp, cmake-js, node-gyp-build) over " + host_base.description}};
    };
    return context.cache.ensure_entry(key, "npm tools of " + host_base.description, build, context.reporter);
}

PreparedStage prepare_test_stage(const StageContext& context, const NodeProject& project, const Arch& arch,
                                 const std::string& suite) {
    stage::StageSpec spec;
    spec.suite = suite;
    spec.kind = stage::StageKind::runtime;
    spec.mirror = context.mirror;
    spec.arch = &arch;
    PreparedStage prepared;
    stage::require_arch(arch, prepared);
    auto packages = node_recipes().strings("runtime", "packages");
    packages.insert(packages.end(), project.config.test_packages.begin(), project.config.test_packages.end());
    const std::string variant = stage::set_stage_packages(spec, packages);
    auto entry = context.cache.ensure(spec, variant, context.reporter);
    auto result = stage::prepared_from(entry, entry, spec.describe());
    result.extra_files = prepared.extra_files;
    return result;
}

}  // namespace xbuild::node
