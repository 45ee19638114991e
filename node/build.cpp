#include "node/build.hpp"

#include <sys/stat.h>

#include <thread>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/compile_cache.hpp"
#include "builder/toolchain/cross.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "node/npm.hpp"

namespace xbuild::node {

namespace stdfs = std::filesystem;

toolchain::ToolchainSetup node_toolchain_setup(const NodeTarget& target) {
    // Node's headers (node.h, uv-based addons) include libuv's, which Debian ships in the build
    // suite's /usr/include (libuv1-dev): found there after the sysroot, as in Node's own tarball.
    return {*target.arch,
            *target.floor,
            !target.emulate && target.arch != &host_arch(),
            target.emulate,
            {fmt::format("{}/node-include", toolchain::k_tools_dir)}};
}

std::vector<std::string> node_build_environment(const NodeTarget& target) {
    auto env = toolchain::compiler_environment(node_toolchain_setup(target));
    env.push_back(fmt::format("LINK={}/bin/c++", toolchain::k_tools_dir));
    return env;
}

namespace {

// The shell script of the build: the .node files it made are listed in /out/addons.
std::string build_script(const BuildRequest& request) {
    const NodeProject& project = request.project;
    const std::string arch(request.target.arch->node);
    const unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    std::string script = fmt::format(
        "set -e\ncd {}\nrm -rf build\n",
        process::shell_quote((stdfs::path("/src") / project.package_path).lexically_normal().string()));
    if (request.target.abi) script += "node -p process.versions.modules > /out/abi\n";
    if (project.build_system == BuildSystem::node_gyp) {
        script += fmt::format(
            "node /xbuild/tools/node_modules/node-gyp/bin/node-gyp.js rebuild --arch={} --nodedir=/usr "
            "--jobs={}\n",
            arch, jobs);
    } else {
        // cmake-js: Node-API builds (package.json binary.napi_versions) use node-api-headers from the
        // tools; others the suite's headers through npm_config_nodedir.
        const std::string toolchain_file = " --CDCMAKE_TOOLCHAIN_FILE=/xbuild/toolchain.cmake";
        script += fmt::format(
            "node /xbuild/tools/node_modules/cmake-js/bin/cmake-js rebuild --arch={} --parallel {}{}\n", arch,
            jobs, toolchain_file);
    }
    script += "find build/Release -maxdepth 1 -name '*.node' -type f | LC_ALL=C sort > /out/addons\n";
    return script;
}

}  // namespace

BuiltAddon build_addon(const StageContext& context, const BuildRequest& request) {
    const auto& target = request.target;
    const auto& project = request.project;
    stdfs::path src = request.work / "src", out = request.work / "out", tools = request.work / "xbuild";
    fs::make_dirs(out);
    // Builds write into their source tree (build/): they get a copy.
    fs::copy_tree(request.source, src);
    auto setup = node_toolchain_setup(target);
    setup.ccache = request.ccache.has_value();
    toolchain::write_toolchain_files(tools, setup);
    fs::make_dirs(tools / "tools");  // the mount point of the npm tools inside /xbuild
    // Only libuv of the build suite's headers: the rest of its /usr/include stays out of reach.
    fs::make_dirs(tools / "node-include");
    for (const char* name : {"uv.h", "uv"})
        std::filesystem::create_symlink(std::string("/usr/include/") + name, tools / "node-include" / name);

    std::vector<std::string> env = node_build_environment(target);
    env.push_back(fmt::format("SOURCE_DATE_EPOCH={}", request.source_date_epoch));
    env.push_back("npm_config_nodedir=/usr");
    env.push_back("HOME=/tmp");
    if (project.config.napi_version) {
        const std::string define = fmt::format("-DNAPI_VERSION={}", *project.config.napi_version);
        env.push_back("CFLAGS=" + define);
        env.push_back("CXXFLAGS=" + define);
    }
    env.insert(env.end(), project.config.environment.begin(), project.config.environment.end());
    const std::string script = build_script(request);

    sandbox::SandboxSpec spec = stage::build_run(context, request.toolchain);
    spec.binds = {{src, "/src", false},
                  {out, "/out", false},
                  {tools, "/xbuild", true},
                  {request.tools, "/xbuild/tools", true},
                  {request.toolchain.sysroot, toolchain::k_sysroot_dir, true}};
    std::unique_ptr<stage::RemoteRelay> relay;
    if (request.ccache) relay = stage::use_compile_cache(spec, env, *request.ccache, request.work);
    spec.env = sandbox::sandbox_environment(env);
    spec.workdir = "/src";
    spec.argv = {"sh", "-c", script};
    spec.log_file = request.log;
    fs::append_file(
        request.log,
        fmt::format("\n# build {} in {}\n# compile cache: {}\n# environment: {}\n$ {}\n", target.arch->node,
                    request.toolchain.description, request.ccache ? request.ccache->dir.string() : "off",
                    fmt::join(env, " "), script));
    int code = sandbox::run_sandbox(spec, context.launcher);
    if (code != 0) fail("{}: build failed (exit {})", target.arch->node, code);

    std::vector<std::string> addons;
    const std::string listing = fs::read_file(out / "addons");
    for (std::string_view line : text::lines(listing))
        if (!line.empty()) addons.emplace_back(line);
    if (addons.empty()) fail("{}: the build made no .node file in build/Release", target.arch->node);
    if (addons.size() > 1)
        fail("{}: the build made {} .node files in build/Release ({}); a package holds one addon",
             target.arch->node, addons.size(), fmt::join(addons, ", "));
    // The listing comes from the sandbox: the file must be a plain one in build/Release (a symlink
    // would make xbuild read a host file on the build's behalf).
    const stdfs::path package = src / project.package_path;
    auto regular_file = [&](const std::string& path) {
        struct stat st {};
        return path.starts_with("build/Release/") && path.find('/', 14) == std::string::npos &&
               path.find("..") == std::string::npos && ::lstat((package / path).c_str(), &st) == 0 &&
               S_ISREG(st.st_mode);
    };
    const std::string& addon = addons.front();
    if (!regular_file(addon))
        fail("{}: the build's addon '{}' is not a regular file in build/Release", target.arch->node,
             text::printable(addon));
    BuiltAddon built{package / addon, 0, {}};
    for (const std::string& name : project.config.executables) {
        if (!regular_file("build/Release/" + name))
            fail("{}: the build made no program build/Release/{} (package.json xbuild.executables)",
                 target.arch->node, name);
        built.executables.emplace_back(name, package / "build/Release" / name);
    }
    if (target.abi) built.abi = std::atoi(fs::read_file(out / "abi").c_str());
    return built;
}

}  // namespace xbuild::node
