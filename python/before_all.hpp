#pragma once
// cibuildwheel's before-all: run once per toolchain stage, not once per build id. Its writes (a library
// built into /usr/local, a generated file) are kept as a layer over the stage, a cache entry keyed by
// the stage, its sysroot, the command and the source, which every build id of that stage builds on.
#include <filesystem>
#include <string>

#include "python/project.hpp"
#include "python/targets.hpp"
#include "python/wheel_stages.hpp"

namespace xbuild::python {

// toolchain with the before-all layer on top (made when missing: sh -c the command in /src, a copy of
// the source, with the build's compilers, sysroot and environment, network off). The toolchain itself
// when project.config.before_all is empty. Throws Error naming the build id, the exit status and the
// log (a copy of it also goes to log) when the command fails; nothing is kept then.
PreparedStage with_before_all(const StageContext& context, const PythonProject& project,
                              const WheelTarget& target, const PreparedStage& toolchain,
                              const std::string& source_key, const std::filesystem::path& log);

}  // namespace xbuild::python
