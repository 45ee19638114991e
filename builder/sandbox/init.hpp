// Internal to builder/sandbox: the sandbox's init, PID 1 of its namespaces (helper.cpp clones it).
#pragma once

#include "builder/sandbox/cgroup.hpp"
#include "builder/sandbox/spec.hpp"

namespace xbuild::sandbox {

// Joins the cgroups it can join itself (cgroup v1: SandboxCgroup::join_self), waits for the parent's
// go on go_fd (written once the id maps and the cgroup are in place), builds
// the sandbox's file system (init_steps.cpp), hardens itself (not dumpable, the host's arguments and
// environment wiped from its memory, RLIMIT_NPROC when no cgroup bounds the processes, the seccomp
// filter), then starts CMD and serves as its init: reaps, forwards signals, answers and logs the
// filter's refusals, and exits with CMD's status. Setup errors go to the error fd (die()).
[[noreturn]] void run_init(const SandboxSpec& spec, int go_fd, const SandboxCgroup& cgroup);

}  // namespace xbuild::sandbox
