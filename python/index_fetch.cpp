#include "python/index_fetch.hpp"

#include <regex>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/sandbox/spec.hpp"
#include "python/requirements.hpp"
#include "python/wheel_test.hpp"

namespace xbuild::python {

void check_index_url(const std::string& url, const std::string& where) {
    static const std::regex valid(R"(https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%\[\]-]+)");
    if (!std::regex_match(url, valid))
        fail("{}: '{}' is not an index URL (http:// or https://, as pip's --index-url)", where,
             text::printable(url));
}

std::vector<std::string> applicable_build_requirements(const PythonProject& project,
                                                       const WheelTarget& target) {
    return applicable_requirements(project.build_requires, {target.python, std::string(host_arch().uname)});
}

namespace {

// pip download of requirements into dir (bound at /reqs) from the project's index, network on.
void download(const StageContext& context, const PythonProject& project, const WheelTarget& target,
              const PreparedStage& stage, const std::vector<std::string>& requirements,
              const std::string& flags, const std::string& what, const std::filesystem::path& dir,
              const std::filesystem::path& log) {
    const std::string& index = project.config.index_url;
    fs::make_dirs(dir);
    if (requirements.empty()) return;
    std::string script = fmt::format(
        "set -e\npython{} -m pip download --only-binary=:all: --dest /reqs --index-url {} --no-cache-dir{}",
        target.python, process::shell_quote(index), flags);
    for (const std::string& requirement : requirements) script += " " + process::shell_quote(requirement);
    sandbox::SandboxSpec spec = stage::tool_run(context, stage);
    spec.network = true;
    spec.binds = {{dir, "/reqs", false}};
    spec.env =
        sandbox::sandbox_environment({"HOME=/tmp", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1"});
    spec.workdir = "/tmp";
    spec.argv = {"sh", "-c", script};
    spec.log_file = log;
    std::error_code ignored;
    const auto start = std::filesystem::exists(log, ignored) ? std::filesystem::file_size(log, ignored) : 0;
    fs::append_file(log, fmt::format("# {}: {} from {} in {} (network on)\n$ {}\n", target.build_id(), what,
                                     index, stage.description, script));
    const int code = sandbox::run_sandbox(spec, context.launcher);
    if (code == 0) return;
    // pip: "ERROR: No matching distribution found for setuptools>=99"
    static const std::regex missing(R"(No matching distribution found for ([^\s]+))");
    std::smatch match;
    const std::string text = fs::read_file(log).substr(start);
    if (std::regex_search(text, match, missing))
        fail("{}: {} {} '{}': no release on the index {} satisfies it", target.build_id(),
             (project.dir / "pyproject.toml").string(),
             what == "build requirements" ? "[build-system] requires" : "test requirement",
             text::printable(match[1].str()), index);
    fail("{}: downloading the {} from {} failed (exit {})", target.build_id(), what, index, code);
}

}  // namespace

void fetch_build_requirements(const StageContext& context, const PythonProject& project,
                              const WheelTarget& target, const PreparedStage& toolchain,
                              const std::filesystem::path& dir, const std::filesystem::path& log) {
    download(context, project, target, toolchain, applicable_build_requirements(project, target), "",
             "build requirements", dir, log);
}

std::vector<std::string> applicable_test_requirements(const PythonProject& project,
                                                      const WheelTarget& target) {
    return applicable_requirements(project.config.test_requirements,
                                   {target.python, std::string(target.arch->uname)});
}

void fetch_test_requirements(const StageContext& context, const PythonProject& project,
                             const WheelTarget& target, const PreparedStage& host, const std::string& glibc,
                             const std::filesystem::path& dir, const std::filesystem::path& log) {
    std::string flags =
        fmt::format(" --implementation cp --python-version {} --abi {}", target.python, target.cp_tag());
    for (const std::string& platform : pip_platforms(*target.arch, glibc)) flags += " --platform " + platform;
    download(context, project, target, host, applicable_test_requirements(project, target), flags,
             "test requirements", dir, log);
}

}  // namespace xbuild::python
