#pragma once
// Runs the PEP 517 build of one target in its toolchain stage, network off.
#include <filesystem>
#include <string>
#include <vector>

#include "python/project.hpp"
#include "python/targets.hpp"
#include "python/wheel_stages.hpp"

namespace xbuild::python {

// Environment of a cross build: the target's sysconfig data and platform on top of the cross
// toolchain's (builder/toolchain/cross.hpp: compilers, binutils, pkg-config, the CMake toolchain
// file for scikit-build, the meson cross file for meson-python). Empty for a native or emulated build.
std::vector<std::string> cross_environment(const WheelTarget& target);

struct BuildRequest {
    const PythonProject& project;
    const WheelTarget& target;
    const PreparedStage& toolchain;
    std::filesystem::path work;  // scratch: work/src (copy of the source), work/out, work/xbuild
    std::filesystem::path log;   // the build log
    long long source_date_epoch;
};

// Builds and returns the raw wheel in work/out. Throws Error ("build failed (exit N)") with
// the log path; the caller prints the log's tail.
std::filesystem::path build_wheel(const StageContext& context, const BuildRequest& request);

}  // namespace xbuild::python
