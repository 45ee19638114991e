#pragma once
// Build requirements from a Python package index (PEP 503 "simple" API: --index-url, PIP_INDEX_URL,
// [tool.xbuild] index-url) instead of Debian's packages: a fetch step, network on, in the build's
// toolchain stage (the build machine's arch and the wheel's Python), downloads [build-system] requires
// with their version pins and dependencies as wheels; the build then installs exactly those, offline,
// into an environment of its own (python/wheel_build.cpp).
#include <filesystem>
#include <string>
#include <vector>

#include "python/project.hpp"
#include "python/targets.hpp"
#include "python/wheel_stages.hpp"

namespace xbuild::python {

// An index URL is http:// or https://; throws Error naming where otherwise.
void check_index_url(const std::string& url, const std::string& where);

// Downloads the requirements of project.build_requires that apply to target into dir (wheels only:
// nothing runs), logging to log. Throws one Error naming the requirement and the index when no
// release there satisfies a pin, or the index and pip's exit status for other failures.
void fetch_build_requirements(const StageContext& context, const PythonProject& project,
                              const WheelTarget& target, const PreparedStage& toolchain,
                              const std::filesystem::path& dir, const std::filesystem::path& log);

// The requirements of project.build_requires that apply to target (their markers evaluated).
std::vector<std::string> applicable_build_requirements(const PythonProject& project,
                                                       const WheelTarget& target);
// The test requirements (cibuildwheel's test-requires and test-extras) that apply to target.
std::vector<std::string> applicable_test_requirements(const PythonProject& project,
                                                      const WheelTarget& target);

// Downloads the test requirements into dir for the target's Python and arch (pip download --platform
// ... for a system of that glibc, --python-version, --abi, wheels only), from host: a stage of the build
// machine's arch with that Python's pip (the build's toolchain stage). Errors as above.
void fetch_test_requirements(const StageContext& context, const PythonProject& project,
                             const WheelTarget& target, const PreparedStage& host, const std::string& glibc,
                             const std::filesystem::path& dir, const std::filesystem::path& log);

}  // namespace xbuild::python
