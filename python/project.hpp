#pragma once
// A Python project as `xbuild wheels` sees it: pyproject.toml's [build-system], [project]
// and [tool.xbuild], with XBUILD_* environment variables and command-line options on top.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::python {

struct WheelConfig {
    std::string cache_registry;               // [tool.xbuild.cache] registry: the registry cache
    std::vector<std::string> archs;           // empty: the host arch
    std::vector<std::string> pythons;         // "3.13"; empty: every one requires-python allows
    std::string manylinux;                    // the glibc floor ("2_31"), checked; empty: the default
    std::string manylinux_source;             // where it was set: "--manylinux", "XBUILD_MANYLINUX"
    std::string requires_python;              // [project] requires-python (the default Pythons)
    std::string requires_python_where;        // "<file>: [project] requires-python"
    std::vector<std::string> build_packages;  // Debian packages: build tools and target libraries
    std::string test_command;                 // empty: import every top-level module
    std::vector<std::string> test_requires;   // Debian packages for the test stage
    std::string before_build;                 // shell command run in the source dir first
    std::vector<std::string> environment;     // KEY=VALUE for the build
    std::vector<std::string> skip;            // build-id selectors: "cp39-*", "*_aarch64"
    std::vector<std::string> exclude;         // project paths not copied into the build nor keyed
    std::map<std::string, std::vector<std::string>> requirement_packages;  // name → Debian packages
    std::vector<std::string> repair_exclude;  // sonames (globs) not grafted (auditwheel's --exclude)
    std::string lib_sdir = ".libs";           // the grafts' directory suffix (auditwheel's --lib-sdir)
    // A PEP 503 index for [build-system] requires (python/index_fetch.hpp); empty: Debian's packages.
    std::string index_url;
    bool only_plat = false;  // tag with the floor's policy alone (auditwheel's --only-plat)
    // Read from cibuildwheel's options ([tool.cibuildwheel], CIBW_*), which [tool.xbuild] has no key for:
    std::vector<std::string> build;              // build-id selectors to build; empty: every one
    std::vector<std::string> test_skip;          // build-id selectors whose wheels are not tested
    std::vector<std::string> test_requirements;  // PyPI requirements of the test, as Debian packages
    std::vector<std::string> test_sources;       // project paths copied into the test's directory
    std::vector<std::string> test_exports;       // test-environment: shell assignments ($VAR expanded)
    std::string before_all;                      // shell command run in the source copy before before-build
    std::string before_test;                     // shell command run in the test stage before the test
    std::vector<std::string> exports;            // environment: shell assignments, exported in the build
    std::vector<std::string> config_settings;    // KEY=VALUE for the PEP 517 backend (pip --config-settings)
    bool repair = true;                          // false: repair-wheel-command = "" (a linux_ tagged wheel)
    std::string repair_command;                  // a repair-wheel-command run instead of xbuild's repair
    std::map<std::string, std::string> sources;  // key → where its value came from (--print-config)
    std::vector<std::string> notes;              // options read but not honoured: one line each
};

struct WheelOverrides {  // the command line
    std::vector<std::string> archs;
    std::vector<std::string> pythons;
    std::string manylinux;
    std::string index_url;  // --index-url
};

// What a build id's WheelConfig is resolved from (python/project.cpp).
struct ConfigInputs;

struct PythonProject {
    std::filesystem::path dir;     // the source tree (an extracted sdist for .tar.gz input)
    std::filesystem::path origin;  // what the user named (directory or sdist)
    std::string name;              // [project].name, setup.cfg's name, or the directory's name
    std::string normalized_name;   // PEP 503 ("my-pkg"): the path component of logs and locks
    std::vector<std::string> build_requires;
    std::string build_backend;
    WheelConfig config;  // the config no cibuildwheel override selects (the plan's: archs, python, skip)
    std::shared_ptr<const ConfigInputs> inputs;
    // The config of one build id: cibuildwheel's overrides that select it applied.
    WheelConfig config_for(std::string_view build_id) const;
    // What the build neither copies nor keys on: config.exclude under dir, and the output directory.
    std::vector<std::filesystem::path> excluded;
};

// A valid project name (PEP 508): ASCII letters, digits, '.', '_' and '-', starting and ending with
// a letter or digit. Only such names reach a path (logs/<normalized name>/ in the cache).
bool is_valid_project_name(std::string_view name);

// Reads dir/pyproject.toml (and falls back to setup.py's legacy defaults). Precedence: cibuildwheel's
// options ([tool.cibuildwheel], its overrides and CIBW_* variables: python/cibw_config.hpp) <
// [tool.xbuild] < command line < XBUILD_* environment (XBUILD_ARCHS, XBUILD_PYTHON, XBUILD_MANYLINUX,
// XBUILD_BUILD_PACKAGES, XBUILD_TEST_COMMAND, XBUILD_TEST_REQUIRES, XBUILD_BEFORE_BUILD,
// XBUILD_ENVIRONMENT, XBUILD_SKIP). Throws Error naming the file and key on bad input (an invalid
// project name or Debian package name included), or the directory when it is not a Python project.
PythonProject load_project(const std::filesystem::path& dir, const WheelOverrides& overrides);

}  // namespace xbuild::python
