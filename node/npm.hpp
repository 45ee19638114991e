#pragma once
// npm as xbuild runs it: only in a fetch phase, in a host-arch stage with the network on, never
// running a package's install scripts (the build phase that follows has no network).
#include <filesystem>
#include <string>
#include <vector>

#include "builder/sandbox/spec.hpp"
#include "builder/stage/context.hpp"

namespace xbuild::node {

// The environment of an npm run in a sandbox: HOME and npm's cache in /tmp, no audit, fund or update
// checks, the host's CA bundle for Node's TLS (the sandbox binds it), and the registry of
// NPM_CONFIG_REGISTRY when the host sets one.
std::vector<std::string> npm_environment();

struct NpmRun {
    std::filesystem::path dir;              // bound read-write at /src, the working directory
    std::vector<sandbox::BindMount> binds;  // more binds
    std::vector<std::string> argv;          // "npm", ...
    bool network = false;
    std::filesystem::path log;  // output appended, after the command line
};

// Runs argv in a sandbox over host (a host-arch toolchain stage with npm); returns its exit status.
int run_npm(const stage::StageContext& context, const stage::PreparedStage& host, const NpmRun& run);

// `npm ci --ignore-scripts` in dir when it has a lock file (package-lock.json,
// npm-shrinkwrap.json), else `npm install --ignore-scripts --no-package-lock`; dir is bound at /src.
// Output goes to log; throws Error naming the package when npm fails.
void npm_fetch(const stage::StageContext& context, const stage::PreparedStage& host_base,
               const std::filesystem::path& dir, bool has_lock_file, const std::filesystem::path& log);

}  // namespace xbuild::node
