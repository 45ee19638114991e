#pragma once
// The parent side of a sandbox run: starts the helper process and waits for it.
//
// The helper is a re-exec of the xbuild binary (like bazel's linux-sandbox): safe from
// multithreaded hosts (the Python and Node bindings), since nothing here clones or mounts.
// The CLI, which is single-threaded, may instead fork and run the same helper code in the
// child: that skips one exec of the binary, about 1.7 ms of the ~6 ms a sandbox entry costs
// on the CI machines (see bench/sandbox_overhead.sh).
#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>

#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/sandbox/cgroup.hpp"
#include "builder/sandbox/limits.hpp"
#include "builder/sandbox/spec.hpp"

namespace xbuild::sandbox {

// The argv[1] that makes the xbuild binary act as the helper.
inline constexpr const char* k_helper_command = "__sandbox-helper";

enum class Launch {
    reexec,  // posix_spawn the xbuild binary: any host process
    fork,    // fork the caller: only from a single-threaded process (the CLI)
};

// How a library caller starts sandboxes, and within which bounds: front ends fill this in (the CLI:
// fork and its own binary; the bindings: reexec and the installed xbuild binary).
struct Launcher {
    Launch launch = Launch::reexec;
    std::filesystem::path helper_exe;
    Limits limits = default_limits();
    // When set, run_sandbox hands each spec to it instead of starting a sandbox: the seam through which
    // unit tests drive the orchestration of wheels, prebuilds and images with a recording fake
    // (tests/unit/fake_sandbox.hpp) and see what ran, in which stage, with which binds and environment.
    std::function<int(const SandboxSpec&)> runner;
};

class SandboxProcess {
  public:
    // Makes the run's scratch directory below spec.scratch_parent, starts the helper (or, with
    // Launch::fork, the sandbox's init directly) with launcher's limits, and returns once CMD was
    // exec'd inside the sandbox. Throws Error with the helper's message when the sandbox could not be
    // set up or CMD not started.
    SandboxProcess(const SandboxSpec& spec, const Launcher& launcher);
    SandboxProcess(const SandboxProcess&) = delete;
    SandboxProcess& operator=(const SandboxProcess&) = delete;
    // Kills what still runs, then removes the cgroup and the scratch directory.
    ~SandboxProcess();

    // CMD's exit status (128+N when killed by signal N). Throws Error when CMD ran past the
    // timeout (the sandbox is killed first).
    int wait();
    // Kills everything in the sandbox.
    void terminate();
    // What terminate() does, for an async-signal-safe handler: kill(pid, signal).
    pid_t kill_pid() const { return m_pid; }
    int kill_signal() const { return m_launch == Launch::fork ? SIGKILL : SIGTERM; }

  private:
    int reap();

    Launch m_launch;
    pid_t m_pid = -1;  // the sandbox's init (fork) or the helper (reexec)
    Fd m_pidfd;
    std::chrono::seconds m_timeout{0};
    std::optional<fs::TempDir> m_scratch;
    SandboxCgroup m_cgroup;  // fork: this process made it (reexec: the helper did)
};

// Runs spec to completion and returns CMD's exit status (setup errors and timeouts are thrown).
int run_sandbox(const SandboxSpec& spec, const Launcher& launcher);

// Helper entry point: argv after k_helper_command. Returns the process exit status.
int helper_main(int argc, char** argv);
// Makes the cgroup, clones the sandbox's init (PID 1 of new namespaces) from the current
// single-threaded process, writes its id maps and moves it into the cgroup, and returns its pid;
// init reports setup errors on error_fd, then runs CMD and exits with its status. Killing init with
// SIGKILL kills everything inside.
pid_t start_init(const SandboxSpec& spec, int error_fd, SandboxCgroup& cgroup);
// The helper's work: start_init, then wait, killing the sandbox on SIGINT/SIGTERM/SIGHUP.
int run_helper(const SandboxSpec& spec, int error_fd);

}  // namespace xbuild::sandbox
