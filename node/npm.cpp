#include "node/npm.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/sandbox/spec.hpp"

namespace xbuild::node {

std::vector<std::string> npm_environment() {
    std::vector<std::string> env{
        "HOME=/tmp",
        "npm_config_cache=/tmp/npm-cache",
        "npm_config_audit=false",
        "npm_config_fund=false",
        "npm_config_update_notifier=false",
        "npm_config_loglevel=warn",
        // Node keeps its own CA list; add the system bundle (the host's, bound by the sandbox).
        "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt",
    };
    for (const char* name : {"NPM_CONFIG_REGISTRY", "npm_config_registry"})
        if (const char* value = std::getenv(name); value && *value)
            env.push_back(fmt::format("{}={}", name, value));
    return env;
}

int run_npm(const stage::StageContext& context, const stage::PreparedStage& host, const NpmRun& run) {
    sandbox::SandboxSpec spec = stage::tool_run(context, host);
    spec.network = run.network;
    spec.binds = {{run.dir, "/src", false}};
    spec.binds.insert(spec.binds.end(), run.binds.begin(), run.binds.end());
    spec.env = sandbox::sandbox_environment(npm_environment());
    spec.workdir = "/src";
    spec.argv = run.argv;
    spec.log_file = run.log;
    fs::append_file(run.log, fmt::format("# in {} (network {})\n$ {}\n", host.description,
                                         run.network ? "on" : "off", fmt::join(run.argv, " ")));
    return sandbox::run_sandbox(spec, context.launcher);
}

void npm_fetch(const stage::StageContext& context, const stage::PreparedStage& host_base,
               const std::filesystem::path& dir, bool has_lock_file, const std::filesystem::path& log) {
    std::vector<std::string> argv = has_lock_file
                                        ? std::vector<std::string>{"npm", "ci"}
                                        : std::vector<std::string>{"npm", "install", "--no-package-lock"};
    argv.insert(argv.end(), {"--ignore-scripts", "--no-audit", "--no-fund"});
    int code = run_npm(context, host_base, {dir, {}, argv, true, log});
    if (code != 0) fail("fetching the dependencies with `{}` failed (exit {})", fmt::join(argv, " "), code);
}

}  // namespace xbuild::node
