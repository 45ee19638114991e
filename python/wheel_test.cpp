#include "python/wheel_test.hpp"

#include <fstream>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/sandbox/spec.hpp"

namespace xbuild::python {

std::string default_test_command(const std::vector<std::string>& modules) {
    std::string imports;
    for (const std::string& module : modules) imports += (imports.empty() ? "import " : "; import ") + module;
    if (imports.empty()) imports = "pass";
    return "python3 -c " + process::shell_quote(imports + "; print('imported: " +
                                                fmt::format("{}", fmt::join(modules, ", ")) + "')");
}

void test_wheel(const StageContext& context, const TestRequest& request) {
    std::string command = request.test_command;
    for (auto pos = command.find("{project}"); pos != std::string::npos; pos = command.find("{project}"))
        command.replace(pos, 9, "/project");
    const std::string wheel_name = request.wheel.filename().string();
    // pip as users run it; the test runs outside the source tree so that the installed copy
    // is imported. Old pips ignore the environment variables they do not know.
    std::string script =
        fmt::format("set -e\npython{} -m pip install --no-index --no-deps -q /wheels/{}\ncd /tmp\n{}\n",
                    request.target.python, wheel_name, command);
    sandbox::SandboxSpec spec;
    spec.layers = request.runtime.layers;
    spec.scratch_parent = context.cache.sandbox_dir();
    // python3 is the wheel's Python (forky serves two): the test command's "python3" runs it.
    const std::filesystem::path bin = request.wheel.parent_path().parent_path() / "test-bin";
    fs::make_dirs(bin);
    std::error_code ignored;
    std::filesystem::remove(bin / "python3", ignored);
    std::filesystem::create_symlink("/usr/bin/python" + request.target.python, bin / "python3");
    spec.binds = {{request.wheel.parent_path(), "/wheels", true},
                  {request.project.dir, "/project", true},
                  {bin, "/xbuild/bin", true}};
    spec.extra_files = request.runtime.extra_files;
    spec.env = sandbox::sandbox_environment({"PIP_NO_INDEX=1", "PIP_DISABLE_PIP_VERSION_CHECK=1",
                                             "PIP_NO_CACHE_DIR=1", "PIP_BREAK_SYSTEM_PACKAGES=1",
                                             "PIP_ROOT_USER_ACTION=ignore", "HOME=/tmp",
                                             "PATH=/xbuild/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                             "/usr/bin:/sbin:/bin"});
    spec.argv = {"dash", "-c", script};
    spec.log_file = request.log;
    {
        std::ofstream log(request.log, std::ios::app);
        log << fmt::format("\n# test {} in {}\n$ {}\n", request.target.build_id(),
                           request.runtime.description, script);
    }
    int code = sandbox::run_sandbox(spec, context.launcher);
    if (code != 0) fail("{}: test failed (exit {})", request.target.build_id(), code);
}

}  // namespace xbuild::python
