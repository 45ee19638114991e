#include "node/app_modules.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"
#include "builder/sandbox/spec.hpp"
#include "node/npm.hpp"
#include "node/prebuild_layout.hpp"
#include "node/prebuilds.hpp"
#include "node/project.hpp"

namespace xbuild::node {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

// node-gyp-build's "<platform>-<arch>[+<arch>...]" directory names.
bool loads_on(const std::string& tuple, const Arch& arch) {
    auto dash = tuple.find('-');
    if (dash == std::string::npos || tuple.substr(0, dash) != "linux") return false;
    std::string archs = tuple.substr(dash + 1);
    std::replace(archs.begin(), archs.end(), '+', ' ');
    for (const std::string& name : text::split_list(archs))
        if (name == arch.node) return true;
    return false;
}

// node_modules/<name> or node_modules/@scope/<name>.
bool is_package_dir(const stdfs::path& dir) {
    const stdfs::path parent = dir.parent_path();
    if (parent.filename() == "node_modules") return !dir.filename().string().starts_with("@");
    return parent.filename().string().starts_with("@") && parent.parent_path().filename() == "node_modules";
}

void copy_pruned(const stdfs::path& from, const stdfs::path& to, const Arch& arch,
                 std::vector<NpmPackage>& packages) {
    fs::make_dirs(to);
    std::vector<stdfs::path> entries;
    for (const auto& entry : stdfs::directory_iterator(from)) entries.push_back(entry.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) {
        const std::string name = entry.filename().string();
        const auto status = stdfs::symlink_status(entry);
        if (stdfs::is_symlink(status)) {
            stdfs::create_symlink(stdfs::read_symlink(entry), to / name);
        } else if (stdfs::is_directory(status)) {
            if (from.filename() == "prebuilds" && !loads_on(name, arch)) continue;
            copy_pruned(entry, to / name, arch, packages);
        } else if (stdfs::is_regular_file(status)) {
            stdfs::copy_file(entry, to / name);
            if (name == "package.json" && is_package_dir(from)) {
                try {
                    const json manifest = json::parse(fs::read_file(entry));
                    packages.push_back({manifest.value("name", ""), manifest.value("version", "")});
                } catch (const std::exception&) {
                    fail("{}: invalid package.json", entry.string());
                }
            }
        }
    }
}

}  // namespace

stdfs::path install_app_modules(const stage::StageContext& context, const AppModulesRequest& request) {
    const bool has_manifest = stdfs::exists(request.app_dir / "package.json");
    if (!has_manifest && request.packages.empty()) return {};
    const Arch* multiarch = nullptr;
    for (const Arch* arch : request.archs)
        if (!multiarch && arch != &host_arch()) multiarch = arch;
    auto host = prepare_host_toolchain(context, request.suite, multiarch);
    const stdfs::path packs = request.work / "packs", app = request.work / "app",
                      log = request.work / "npm.log";
    fs::make_dirs(packs);
    fs::make_dirs(app);

    std::vector<std::string> archs;
    for (const Arch* arch : request.archs) archs.emplace_back(arch->node);
    std::vector<std::string> tarballs;
    for (std::size_t i = 0; i < request.packages.size(); ++i) {
        const stdfs::path dir = request.packages[i];
        const stdfs::path copy = request.work / fmt::format("package-{}", i);
        PrebuildOptions options;
        options.source = dir;
        options.overrides = {archs};
        options.output_dir = copy / "prebuilds";
        copy_package_sources(dir, copy);
        auto outcomes = build_prebuilds(context, options);
        for (const auto& outcome : outcomes)
            if (!outcome.ok) fail("{}: {} (log: {})", dir.string(), outcome.error, outcome.log.string());
        const std::string name = json::parse(fs::read_file(dir / "package.json")).value("name", "");
        int code = run_npm(context, host,
                           {copy,
                            {{packs, "/packs", false}},
                            {"npm", "pack", "--ignore-scripts", "--pack-destination", "/packs"},
                            false,
                            log});
        if (code != 0) fail("{}: npm pack failed (exit {}; log: {})", dir.string(), code, log.string());
        tarballs.push_back(name);
    }

    if (has_manifest) {
        for (const char* file : {"package.json", "package-lock.json", "npm-shrinkwrap.json"})
            if (stdfs::exists(request.app_dir / file)) stdfs::copy_file(request.app_dir / file, app / file);
    } else {
        fs::write_file_atomic(app / "package.json", "{\"name\": \"xbuild-image-app\", \"private\": true}\n");
    }
    std::vector<std::string> argv{"npm",        "install",  "--omit=dev", "--ignore-scripts",
                                  "--no-audit", "--no-fund"};
    for (const auto& entry : stdfs::directory_iterator(packs))
        argv.push_back("/packs/" + entry.path().filename().string());
    Step step(context.reporter, "installing the app's node_modules");
    int code = run_npm(context, host, {app, {{packs, "/packs", false}}, argv, true, log});
    if (code != 0)
        fail("npm install of the app's dependencies failed (exit {}; log: {})", code, log.string());
    step.done();
    for (const std::string& name : tarballs)
        for (const Arch* arch : request.archs) {
            const stdfs::path dir = app / "node_modules" / name / "prebuilds" / platform_dir(*arch);
            if (!stdfs::is_directory(dir))
                fail(
                    "{}: the packed package has no prebuilds/{}: list \"prebuilds/\" in \"files\" of its "
                    "package.json",
                    name, platform_dir(*arch));
        }
    return stdfs::exists(app / "node_modules") ? app / "node_modules" : stdfs::path();
}

std::vector<NpmPackage> copy_node_modules(const stdfs::path& node_modules, const stdfs::path& dest,
                                          const Arch& arch) {
    std::vector<NpmPackage> packages;
    copy_pruned(node_modules, dest, arch, packages);
    std::sort(packages.begin(), packages.end(),
              [](const NpmPackage& a, const NpmPackage& b) { return a.name < b.name; });
    return packages;
}

}  // namespace xbuild::node
