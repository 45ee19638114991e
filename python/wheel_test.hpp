#pragma once
// The test stage: install the wheel with pip in a clean target-arch runtime stage and run the
// project's test command there (under qemu for a foreign arch).
#include <filesystem>
#include <string>
#include <vector>

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
};

// Throws Error ("test failed (exit N)") when pip or the test command fails.
void test_wheel(const StageContext& context, const TestRequest& request);

}  // namespace xbuild::python
