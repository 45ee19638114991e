#include "python/wheel_test.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "python/index_fetch.hpp"

namespace xbuild::python {

std::string default_test_command(const std::vector<std::string>& modules) {
    std::string imports;
    for (const std::string& module : modules) imports += (imports.empty() ? "import " : "; import ") + module;
    if (imports.empty()) imports = "pass";
    return "python3 -c " + process::shell_quote(imports + "; print('imported: " +
                                                fmt::format("{}", fmt::join(modules, ", ")) + "')");
}

std::vector<std::string> pip_platforms(const Arch& arch, const std::string& glibc) {
    const std::string machine(arch.uname);
    const int minor = std::atoi(glibc.substr(glibc.find('.') + 1).c_str());
    const bool x86 = machine == "x86_64" || machine == "i686";
    const int oldest = x86 ? 5 : 17;
    std::vector<std::string> platforms;
    for (int m = minor; m >= oldest; --m) {
        platforms.push_back(fmt::format("manylinux_2_{}_{}", m, machine));
        if (m == 17 && (x86 || machine == "aarch64" || machine == "armv7l" || machine == "ppc64le" ||
                        machine == "ppc64" || machine == "s390x"))
            platforms.push_back("manylinux2014_" + machine);
        if (m == 12 && x86) platforms.push_back("manylinux2010_" + machine);
        if (m == 5 && x86) platforms.push_back("manylinux1_" + machine);
    }
    platforms.push_back("linux_" + machine);
    return platforms;
}

namespace {

const std::vector<std::string> k_pip_environment = {"PIP_NO_INDEX=1",
                                                    "PIP_DISABLE_PIP_VERSION_CHECK=1",
                                                    "PIP_NO_CACHE_DIR=1",
                                                    "PIP_BREAK_SYSTEM_PACKAGES=1",
                                                    "PIP_ROOT_USER_ACTION=ignore",
                                                    "HOME=/tmp"};

void log_step(const TestRequest& request, const std::string& where, const std::string& script) {
    fs::append_file(request.log,
                    fmt::format("\n# test {} in {}\n$ {}\n", request.target.build_id(), where, script));
}

constexpr const char* k_test_requirements_dir = "/xbuild-test-requirements";

// The test requirements that apply to the target, shell-quoted.
std::string requirement_words(const TestRequest& request) {
    std::string words;
    for (const std::string& requirement : applicable_test_requirements(request.project, request.target))
        words += (words.empty() ? "" : " ") + process::shell_quote(requirement);
    return words;
}

// pip of the host-arch toolchain installs the wheel for the target into site (bound at /xbuild/site).
void install_with_host_pip(const StageContext& context, const TestRequest& request,
                           const std::filesystem::path& site) {
    const std::string version = request.target.python;
    std::string platforms;
    for (const std::string& platform : pip_platforms(*request.target.arch, runtime_glibc(request.runtime)))
        platforms += " --platform " + platform;
    const std::string target_flags = fmt::format(
        "--no-index --only-binary=:all: --implementation cp --python-version {0} --abi {1}{2} --target "
        "/xbuild/site -q",
        version, request.target.cp_tag(), platforms);
    std::string script = "set -e\n";
    if (!request.requirements.empty())
        script += fmt::format("python{} -m pip install {} --find-links {} {}\n", version, target_flags,
                              k_test_requirements_dir, requirement_words(request));
    script += fmt::format("python{} -m pip install {} --no-deps /wheels/{}\n", version, target_flags,
                          request.wheel.filename().string());
    sandbox::SandboxSpec spec = stage::tool_run(context, *request.host_pip);
    spec.binds = {{request.wheel.parent_path(), "/wheels", true}, {site, "/xbuild/site", false}};
    if (!request.requirements.empty())
        spec.binds.push_back({request.requirements, k_test_requirements_dir, true});
    spec.env = sandbox::sandbox_environment(k_pip_environment);
    spec.argv = {"dash", "-c", script};
    spec.log_file = request.log;
    log_step(request,
             request.host_pip->description + " (pip for " + std::string(request.target.arch->uname) + ")",
             script);
    int code = sandbox::run_sandbox(spec, context.launcher);
    if (code != 0)
        fail("{}: pip refused or failed to install {} for {} (exit {})", request.target.build_id(),
             request.wheel.filename().string(), request.target.arch->uname, code);
}

}  // namespace

namespace {

std::string with_project(const std::string& command) {
    return text::replace_all(command, "{project}", "/project");
}

// The test's directory (/tmp/test, with cibuildwheel's test-sources copied in from the read-only
// project), its environment and before-test, then the test command.
std::string test_script(const WheelConfig& config, const std::string& command) {
    std::string script = "mkdir -p /tmp/test\ncd /tmp/test\n";
    for (const std::string& path : config.test_sources) {
        const std::string quoted = process::shell_quote(path);
        script += fmt::format("mkdir -p \"$(dirname {0})\"\ncp -R /project/{0} {0}\n", quoted);
    }
    for (const std::string& assignment : config.test_exports) script += "export " + assignment + "\n";
    if (!config.before_test.empty()) script += with_project(config.before_test) + "\n";
    return script + with_project(command) + "\n";
}

}  // namespace

std::string runtime_glibc(const PreparedStage& runtime) {
    stage::CacheEntry entry;
    entry.root = runtime.layers.back();
    if (!entry.root.has_filename()) entry.root = entry.root.parent_path();  // ".../root/"
    entry.dir = entry.root.parent_path();
    if (auto packages = stage::installed_packages(entry))
        for (const auto& package : *packages)
            if (package.name == "libc6") {
                const auto dot = package.version.find('.');
                const auto end = package.version.find_first_not_of("0123456789", dot + 1);
                return package.version.substr(0, end);
            }
    fail("{}: no libc6 in its package list ({})", runtime.description, (entry.dir / "packages.tsv").string());
}

void test_wheel(const StageContext& context, const TestRequest& request) {
    const std::string command = test_script(request.project.config, request.test_command);
    const std::string wheel_name = request.wheel.filename().string();
    const std::filesystem::path work = request.wheel.parent_path().parent_path();
    const std::string site_packages = "/usr/local/lib/python" + request.target.python + "/dist-packages";
    sandbox::SandboxSpec spec = stage::tool_run(context, request.runtime);
    // python3 is the wheel's Python (forky serves two): the test command's "python3" runs it; so
    // does "python" (cibuildwheel's commands run in a virtualenv, which has it).
    const std::filesystem::path bin = work / "test-bin";
    fs::make_dirs(bin);
    std::error_code ignored;
    for (const char* name : {"python3", "python"}) {
        std::filesystem::remove(bin / name, ignored);
        std::filesystem::create_symlink("/usr/bin/python" + request.target.python, bin / name);
    }
    // pytest as a command runs on the wheel's Python (Debian's /usr/bin/pytest runs the suite's
    // default python3, not forky's second Python).
    fs::write_file_atomic(bin / "pytest", "#!/bin/sh\nexec python3 -m pytest \"$@\"\n");
    std::filesystem::permissions(bin / "pytest", std::filesystem::perms(0755));
    spec.binds = {{request.project.dir, "/project", true}, {bin, "/xbuild/bin", true}};
    std::string script;
    if (request.host_pip) {
        // Installed by the host's pip where the target's pip would put it (root's pip on Debian):
        // the test stage's Python finds it on sys.path, .pth files included.
        const std::filesystem::path site = work / "site";
        std::filesystem::remove_all(site, ignored);
        fs::make_dirs(site);
        install_with_host_pip(context, request, site);
        spec.binds.push_back({site, site_packages, true});
        script = "set -e\n" + command;
    } else {
        // pip as users run it; the test runs outside the source tree so that the installed copy
        // is imported. Old pips ignore the environment variables they do not know.
        spec.binds.push_back({request.wheel.parent_path(), "/wheels", true});
        script = "set -e\n";
        if (!request.requirements.empty()) {
            spec.binds.push_back({request.requirements, k_test_requirements_dir, true});
            script += fmt::format("python{} -m pip install --no-index -q --find-links {} {}\n",
                                  request.target.python, k_test_requirements_dir, requirement_words(request));
        }
        script += fmt::format("python{} -m pip install --no-index --no-deps -q /wheels/{}\n{}",
                              request.target.python, wheel_name, command);
    }
    std::vector<std::string> env = k_pip_environment;
    env.push_back("PATH=/xbuild/bin:" + site_packages +
                  "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    spec.env = sandbox::sandbox_environment(env);
    spec.argv = {"dash", "-c", script};
    spec.log_file = request.log;
    log_step(request, request.runtime.description, script);
    int code = sandbox::run_sandbox(spec, context.launcher);
    if (code != 0) fail("{}: test failed (exit {})", request.target.build_id(), code);
}

}  // namespace xbuild::python
