#pragma once
// The stages of one wheel target: the toolchain stage that compiles (cross by default,
// target-arch under qemu with --emulate) and the runtime stage that tests.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/stage/context.hpp"
#include "python/project.hpp"
#include "python/targets.hpp"

namespace xbuild::python {

using stage::PreparedStage;
using stage::StageContext;

// Base: the suite's toolchain with Python's dev packages and, for cross builds, the
// multiarch target's libpython (one base serves the native and the cross builds of a plan:
// multiarch is the plan's foreign arch, or nullptr); layer: the project's mapped build
// requirements and the build tools among its build-packages (builder/stage/build_tools.hpp), in
// the stage's own arch; sysroot: the floor's C and C++ runtime, the other build-packages and the
// target Python's headers.
PreparedStage prepare_toolchain(const StageContext& context, const PythonProject& project,
                                const WheelTarget& target, const Arch* multiarch);
// Extract-only target-arch rootfs with python3, pip, dash and the project's test-requires,
// its Python byte-compiled ahead of time by the toolchain's Python of the same version (an
// extract-only tree has no .pyc: under qemu, every pip run would compile pip and the standard
// library again, 20 to 120 s measured here).
PreparedStage prepare_test_stage(const StageContext& context, const PythonProject& project,
                                 const WheelTarget& target, const PreparedStage& toolchain);

}  // namespace xbuild::python
