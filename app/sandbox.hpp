#pragma once
// The sandbox-run use case: a command in a sandbox over a stage's cached rootfs (built when missing).
#include <string>
#include <vector>

#include "app/session.hpp"

namespace xbuild::app {

struct SandboxRunRequest {
    std::string suite = default_suite();  // empty: the default build suite
    std::string arch;                     // empty: the host's
    std::string target;                   // toolchain stages: an extra multiarch target architecture
    std::string kind = "runtime";         // "toolchain" or "runtime"
    std::vector<std::string> packages;    // extra Debian packages (a layer over a toolchain stage)
    std::vector<std::string> binds;       // "SRC[:DST][:ro]"
    bool network = false;                 // the host's network (default: loopback only)
    std::vector<std::string> env;         // "KEY=VALUE"
    std::string workdir = "/";
    std::vector<std::string> command;
};

// Runs the command and returns its exit status (128 + N when this process got signal N: SIGINT, SIGTERM,
// SIGHUP and SIGQUIT kill the sandbox while it runs).
int sandbox_run(const Session& session, const SandboxRunRequest& request);

}  // namespace xbuild::app
