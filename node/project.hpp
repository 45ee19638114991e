#pragma once
// A Node addon project as `xbuild prebuild` sees it: package.json (name, version, the "xbuild"
// section), how it builds (binding.gyp → node-gyp, CMakeLists.txt → cmake-js), and whether its
// sources can only be built against V8 (a fast early refusal without --abi; the built file's
// symbols decide the rest, node/abi_symbols.hpp), with XBUILD_* environment variables and
// command-line options on top.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xbuild::node {

enum class BuildSystem { node_gyp, cmake_js };

struct PrebuildConfig {
    std::string cache_registry;               // xbuild.cache.registry: the registry cache
    std::vector<std::string> archs;           // empty: the host arch
    std::vector<std::string> build_packages;  // Debian packages: build tools and target libraries
    std::string test_command;                 // empty: require the package and print its exports
    std::vector<std::string> test_packages;   // Debian packages of the test stage
    std::optional<int> napi_version;          // NAPI_VERSION to compile with; none: the headers' default
    std::string suite;                        // Debian suite whose nodejs builds and tests (trixie)
    // Suites whose Node tests each prebuild (its own test stage each); empty: the suite's alone.
    std::vector<std::string> test_suites;
    std::string glibc;                     // the glibc floor ("2.31"), checked; empty: the default
    std::string glibc_source;              // where it was set: "--glibc", "XBUILD_GLIBC"
    std::vector<std::string> environment;  // KEY=VALUE for the build
    // "source-root": the directory the build gets (a monorepo's root, the package a subdirectory
    // of it; "" for the package's own), and "exclude": paths below it neither copied nor keyed.
    std::string source_root;
    std::vector<std::string> exclude;
    // "executables": programs the build also makes in build/Release, shipped beside the addon in
    // prebuilds/<platform>/ (checked and grafted as the addon is).
    std::vector<std::string> executables;
};

struct NodeProject {
    std::filesystem::path dir;
    std::filesystem::path source_root;   // dir, or the "source-root" directory holding it (absolute)
    std::filesystem::path package_path;  // dir relative to source_root ("." for the package's own)
    std::string name;                    // package.json "name" ("@scope/pkg" kept whole)
    std::string version;                 // package.json "version"
    std::string prebuild_name;           // the file name's first part: the name without scope, dots as '_'
    std::string path_name;               // the name as one path component ("scope+pkg"): logs and locks
    BuildSystem build_system = BuildSystem::node_gyp;
    bool has_lock_file = false;  // package-lock.json or npm-shrinkwrap.json: the fetch runs `npm ci`
    // "src/addon.cc includes <v8.h>" for each source that includes V8, NAN or node.h and no
    // Node-API header.
    std::vector<std::string> abi_unstable;
    PrebuildConfig config;
};

struct PrebuildOverrides {  // the command line
    std::vector<std::string> archs;
    std::string glibc;
    std::vector<std::string> test_suites;
};

// The suites whose Node tests the prebuilds: test_suites, else the build suite.
std::vector<std::string> test_suites(const PrebuildConfig& config);

// Reads dir/package.json. Precedence: the "xbuild" section < command line < environment
// (XBUILD_ARCHS, XBUILD_GLIBC, XBUILD_BUILD_PACKAGES, XBUILD_TEST_COMMAND, XBUILD_TEST_PACKAGES,
// XBUILD_TEST_SUITES, XBUILD_ENVIRONMENT). Throws Error naming the file and key on bad input, or the
// directory when it has no package.json, or neither binding.gyp nor CMakeLists.txt.
NodeProject load_node_project(const std::filesystem::path& dir, const PrebuildOverrides& overrides);

// Sources below dir (C and C++ files and headers, outside node_modules, build and prebuilds) that
// include v8.h, nan.h or node.h and none of Node-API's headers (node_api.h, napi.h,
// js_native_api.h): "src/addon.cc includes <nan.h>", sorted. uv.h is no reason: libuv's ABI is
// stable across Node versions.
std::vector<std::string> find_abi_unstable_includes(const std::filesystem::path& dir);

// Copies the package's files at from into dest (created), without what builds and installs leave
// there (node_modules, build, prebuilds, .git).
void copy_package_sources(const std::filesystem::path& from, const std::filesystem::path& dest);

// What a build neither gets nor keys below project.source_root: what builds and installs leave in
// the package (node_modules, build, prebuilds), .git, the "exclude" paths and output_dir.
std::vector<std::filesystem::path> excluded_paths(const NodeProject& project,
                                                  const std::filesystem::path& output_dir);

}  // namespace xbuild::node
