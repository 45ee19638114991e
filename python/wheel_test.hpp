#pragma once
// The test stage: install the wheel with pip in a clean target-arch runtime stage and run the
// project's test command there (under qemu for a foreign arch). For a foreign arch, pip itself does
// not run under qemu (it was most of the test's time): the host-arch toolchain's pip, of the same
// Python version, decides whether it accepts the wheel for the target (--platform, --python-version,
// --implementation, --abi: pip's own tag logic) and installs it (--target) into a directory that the
// target-arch test stage mounts as its site-packages; only the test command runs under qemu.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "python/project.hpp"
#include "python/targets.hpp"
#include "python/wheel_stages.hpp"

namespace xbuild::python {

// "python3 -c 'import a; import b'" for the wheel's top-level modules.
std::string default_test_command(const std::vector<std::string>& modules);

struct TestRequest {
    const PythonProject& project;
    const WheelTarget& target;
    const PreparedStage& runtime;
    std::filesystem::path wheel;  // the repaired wheel
    std::string test_command;     // "{project}" is the source tree, read-only at /project
    std::filesystem::path log;    // appended
    // A foreign arch's host-arch toolchain stage (python X.Y and pip) that installs the wheel for
    // the target; nullptr: pip runs in the runtime stage itself (native, and --emulate).
    const PreparedStage* host_pip = nullptr;
    // Wheels of the test requirements from the project's index (python/index_fetch.hpp), installed
    // (with pip, offline) before the wheel; empty: the test stage's Debian packages serve.
    std::filesystem::path requirements = {};
};

// The glibc of a runtime stage: its libc6 version ("2.41-12" → "2.41").
std::string runtime_glibc(const PreparedStage& runtime);

// pip's --platform values for a target's arch and glibc ("2.41"), most specific first, as
// packaging.tags lists them for a glibc system: manylinux_2_41_aarch64 ... manylinux_2_17_aarch64,
// manylinux2014_aarch64, linux_aarch64 (x86_64 and i686 go down to 2_5, with manylinux2010 and
// manylinux1).
std::vector<std::string> pip_platforms(const Arch& arch, const std::string& glibc);

// Throws Error ("test failed (exit N)") when pip or the test command fails.
void test_wheel(const StageContext& context, const TestRequest& request);

}  // namespace xbuild::python
