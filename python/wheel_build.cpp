#include "python/wheel_build.hpp"

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/compile_cache.hpp"
#include "builder/toolchain/cross.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "python/index_fetch.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

toolchain::ToolchainSetup toolchain_setup(const WheelTarget& target) {
    return {*target.arch, *target.floor, !target.emulate && target.arch != &host_arch(), target.emulate};
}

std::vector<std::string> build_environment(const WheelTarget& target) {
    const auto setup = toolchain_setup(target);
    std::vector<std::string> env;
    if (setup.cross) {
        const std::string triplet(target.arch->gnu_triplet);
        env = {"_PYTHON_HOST_PLATFORM=linux-" + std::string(target.arch->uname),
               "_PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__" + triplet};
    }
    // No LDSHARED: the target's sysconfig data already names the linker with Debian's flags
    // (-Wl,-z,relro ...), and setuptools puts CC (CXX for C++) in place of its compiler.
    auto compilers = toolchain::compiler_environment(setup);
    env.insert(env.end(), compilers.begin(), compilers.end());
    return env;
}

namespace {

constexpr int k_no_config_settings = 97;  // the build script's exit status when pip has no --config-settings
constexpr const char* k_requirements_dir = "/xbuild-requirements";  // beside /xbuild (read-only)

// The one wheel a sandboxed step left in dir (named `where` in errors); anything but a regular file is
// refused: a symlink would make xbuild read a host file on the step's behalf.
stdfs::path only_wheel(const WheelTarget& target, const stdfs::path& dir, const std::string& where,
                       const char* count_error) {
    std::vector<stdfs::path> wheels;
    for (const auto& entry : stdfs::directory_iterator(dir)) {
        if (entry.path().extension() != ".whl") continue;
        if (!stdfs::is_regular_file(entry.symlink_status()))
            fail("{}: {}/{} is not a regular file", target.build_id(), where,
                 text::printable(entry.path().filename().string()));
        wheels.push_back(entry.path());
    }
    if (wheels.size() != 1)
        fail("{}: {}", target.build_id(), fmt::format(fmt::runtime(count_error), wheels.size()));
    return wheels.front();
}

}  // namespace

void write_build_tools(const stdfs::path& tools, const WheelTarget& target, bool ccache) {
    auto setup = toolchain_setup(target);
    setup.ccache = ccache;
    toolchain::write_toolchain_files(tools, setup);
    // python3 (and python, as in cibuildwheel's virtualenvs) is the target's Python here (forky serves
    // two): before-build and backends that run "python3" get the one the wheel is for.
    for (const char* name : {"python3", "python"})
        stdfs::create_symlink("/usr/bin/python" + target.python, tools / "bin" / name);
}

std::vector<std::string> build_shell_environment(const WheelTarget& target) {
    std::vector<std::string> env = build_environment(target);
    env.push_back(fmt::format("PATH={}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                              toolchain::k_tools_dir));
    return env;
}

std::string source_command(const std::string& command) {
    return text::replace_all(command, "{project}", "/src");
}

stdfs::path build_wheel(const StageContext& context, const BuildRequest& request) {
    const auto& target = request.target;
    const auto& project = request.project;
    stdfs::path src = request.work / "src", out = request.work / "out", tools = request.work / "xbuild";
    fs::make_dirs(out);
    // Builds write into their source tree (build/, *.egg-info): they get a copy.
    fs::copy_tree(project.dir, src, project.excluded);
    write_build_tools(tools, target, request.ccache.has_value());
    std::vector<std::string> env = build_shell_environment(target);
    env.push_back(fmt::format("SOURCE_DATE_EPOCH={}", request.source_date_epoch));
    env.push_back("PIP_NO_INDEX=1");
    env.push_back("PIP_DISABLE_PIP_VERSION_CHECK=1");
    env.push_back("PIP_NO_CACHE_DIR=1");
    env.push_back("PIP_BREAK_SYSTEM_PACKAGES=1");
    env.push_back("PIP_ROOT_USER_ACTION=ignore");
    env.push_back("XBUILD_PYTHON_NODOT=" + target.cp_tag().substr(2));
    env.push_back("XBUILD_BUILD_ID=" + target.build_id());
    env.insert(env.end(), project.config.environment.begin(), project.config.environment.end());
    const auto& config = project.config;

    // --use-pep517: projects without pyproject.toml go through setuptools' PEP 517 backend
    // too, not the legacy "setup.py bdist_wheel" path that pip is removing.
    std::string pip =
        "python" + target.python +
        " -m pip wheel --use-pep517 --no-deps --no-build-isolation --no-index --wheel-dir /out /src";
    if (project.build_backend == "mesonpy")
        pip += toolchain_setup(target).cross
                   ? " --config-settings=setup-args=--cross-file=/xbuild/meson-cross.ini"
                   : " --config-settings=setup-args=--native-file=/xbuild/meson-native.ini";
    for (const std::string& setting : config.config_settings)
        pip += " --config-settings=" + process::shell_quote(setting);
    std::string script = "set -e\ncd /src\n";
    // cibuildwheel's environment: assignments the shell expands in order ($VAR, $(cmd)).
    for (const std::string& assignment : config.exports) script += "export " + assignment + "\n";
    if (!config.config_settings.empty())
        script += fmt::format("python{} -m pip wheel --help | grep -q -- --config-settings || exit {}\n",
                              target.python, k_no_config_settings);
    if (!request.requirements.empty()) {
        // Exactly the fetched wheels, offline, in an environment first on the build's sys.path.
        script += fmt::format(
            "env -u _PYTHON_HOST_PLATFORM -u _PYTHON_SYSCONFIGDATA_NAME python{} -m pip install -q "
            "--no-index "
            "--find-links {} --target /tmp/xbuild-build-env",
            target.python, k_requirements_dir);
        for (const std::string& requirement : applicable_build_requirements(project, target))
            script += " " + process::shell_quote(requirement);
        script += "\nexport PYTHONPATH=/tmp/xbuild-build-env\n";
    }
    if (!config.before_build.empty()) script += source_command(config.before_build) + "\n";
    script += pip + "\n";

    sandbox::SandboxSpec spec = stage::build_run(context, request.toolchain);
    spec.binds = {{src, "/src", false},
                  {out, "/out", false},
                  {tools, toolchain::k_tools_dir, true},
                  {request.toolchain.sysroot, toolchain::k_sysroot_dir, true}};
    if (!request.requirements.empty()) spec.binds.push_back({request.requirements, k_requirements_dir, true});
    std::unique_ptr<stage::RemoteRelay> relay;
    if (request.ccache) relay = stage::use_compile_cache(spec, env, *request.ccache, request.work);
    spec.env = sandbox::sandbox_environment(env);
    spec.workdir = "/src";
    spec.argv = {"sh", "-c", script};
    spec.log_file = request.log;
    fs::append_file(
        request.log,
        fmt::format("# xbuild {} in {}\n# compile cache: {}\n# environment: {}\n$ {}\n", target.build_id(),
                    request.toolchain.description, request.ccache ? request.ccache->dir.string() : "off",
                    fmt::join(env, " "), script));
    int code = sandbox::run_sandbox(spec, context.launcher);
    if (code == k_no_config_settings)
        fail("{}: config-settings ({}): the pip of Python {} ({}) cannot pass config settings to the backend",
             target.build_id(),
             config.sources.count("config-settings") ? config.sources.at("config-settings") : "",
             target.python, target.suite);
    if (code != 0) fail("{}: build failed (exit {})", target.build_id(), code);

    return only_wheel(target, out, "the build's /out", "the build produced {} wheels in /out (expected one)");
}

stdfs::path run_repair_command(const StageContext& context, const BuildRequest& request,
                               const stdfs::path& wheel) {
    const auto& target = request.target;
    const stdfs::path dest = request.work / "repair-out";
    fs::make_dirs(dest);
    std::string command = source_command(request.project.config.repair_command);
    command = text::replace_all(command, "{wheel}",
                                process::shell_quote("/xbuild-repair-in/" + wheel.filename().string()));
    command = text::replace_all(command, "{dest_dir}", "/xbuild-repair-out");
    std::vector<std::string> env = build_shell_environment(target);
    env.push_back(fmt::format("SOURCE_DATE_EPOCH={}", request.source_date_epoch));
    const std::string script = "set -e\ncd /src\n" + command + "\n";
    sandbox::SandboxSpec spec = stage::build_run(context, request.toolchain);
    spec.binds = {{request.work / "src", "/src", false},
                  {wheel.parent_path(), "/xbuild-repair-in", true},
                  {dest, "/xbuild-repair-out", false},
                  {request.work / "xbuild", toolchain::k_tools_dir, true},
                  {request.toolchain.sysroot, toolchain::k_sysroot_dir, true}};
    spec.env = sandbox::sandbox_environment(env);
    spec.workdir = "/src";
    spec.argv = {"sh", "-c", script};
    spec.log_file = request.log;
    fs::append_file(request.log,
                    fmt::format("\n# {}: repair-wheel-command ({}) in {}\n$ {}", target.build_id(),
                                request.project.config.sources.count("repair-wheel-command")
                                    ? request.project.config.sources.at("repair-wheel-command")
                                    : "",
                                request.toolchain.description, script));
    const int code = sandbox::run_sandbox(spec, context.launcher);
    if (code != 0) fail("{}: repair-wheel-command failed (exit {})", target.build_id(), code);
    return only_wheel(target, dest, "repair-wheel-command's {dest_dir}",
                      "repair-wheel-command left {} wheels in {{dest_dir}} (expected one)");
}

}  // namespace xbuild::python
