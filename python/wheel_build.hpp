#pragma once
// Runs the PEP 517 build of one target in its toolchain stage, network off.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/stage/compile_cache.hpp"
#include "builder/toolchain/cross.hpp"
#include "python/project.hpp"
#include "python/targets.hpp"
#include "python/wheel_stages.hpp"

namespace xbuild::python {

// The compilers of target: clang against the floor's sysroot in a host-arch stage (native or cross),
// the stage's gcc against it in an emulated one.
toolchain::ToolchainSetup toolchain_setup(const WheelTarget& target);
// Environment of a build: the toolchain's (builder/toolchain/cross.hpp: compiler wrappers, binutils,
// pkg-config, the CMake toolchain file for scikit-build, the meson machine file for meson-python)
// and, cross, the target's sysconfig data and platform.
std::vector<std::string> build_environment(const WheelTarget& target);

// The build's /xbuild (toolchain::k_tools_dir): target's toolchain files (compiler wrappers through
// ccache when ccache) and bin/python3 and bin/python naming the target's Python.
void write_build_tools(const std::filesystem::path& tools, const WheelTarget& target, bool ccache);
// The environment of a shell of the build: build_environment(target) with the tools first on PATH.
std::vector<std::string> build_shell_environment(const WheelTarget& target);

// A command of the build (before-build, before-all, repair-wheel-command): "{project}" is the build's
// copy of the source, /src.
std::string source_command(const std::string& command);

struct BuildRequest {
    const PythonProject& project;
    const WheelTarget& target;
    const PreparedStage& toolchain;
    std::filesystem::path work;  // scratch: work/src (copy of the source), work/out, work/xbuild
    std::filesystem::path log;   // the build log
    long long source_date_epoch;
    // The compile cache's directory (builder/stage/compile_cache.hpp); nullopt: none.
    std::optional<stage::CompileCache> ccache = std::nullopt;
    // Wheels of the build requirements fetched from the project's index (python/index_fetch.hpp),
    // installed into the build's own environment first; empty: the stage's Debian packages serve.
    std::filesystem::path requirements = {};
};

// Builds and returns the raw wheel in work/out. Throws Error ("build failed (exit N)") with
// the log path; the caller prints the log's tail.
std::filesystem::path build_wheel(const StageContext& context, const BuildRequest& request);

// cibuildwheel's repair-wheel-command (project.config.repair_command), instead of xbuild's repair: run
// by sh in the build's sandbox (its stage, sysroot and source copy at /src, network off) with {wheel} the
// built wheel (read-only) and {dest_dir} an empty directory; it must leave exactly one wheel (a regular
// file) there, whose path is returned: the caller checks it as it checks a built wheel. Throws Error
// naming the build id when the command fails or leaves no wheel or several.
std::filesystem::path run_repair_command(const StageContext& context, const BuildRequest& request,
                                         const std::filesystem::path& wheel);

}  // namespace xbuild::python
