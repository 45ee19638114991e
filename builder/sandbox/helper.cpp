// The parent's side of a sandbox's start, as short named steps (see DESIGN.md, conventions):
//
//   parent:  cgroup → clone(user mount pid ipc uts net?) → id maps → "g" → cgroup.procs (v2; init
//            joins v1 cgroups itself) → "c" → wait
//            (the parent is the helper — "xbuild __sandbox-helper PARENT ERRFD SPEC" — or the
//            single-threaded CLI itself, see launcher.hpp)
//   init:    init.cpp
//
// A failing step writes "sandbox: <step>: <reason>" to ERRFD and exits; the launcher turns that into
// an xbuild::Error. Nothing is mounted outside the sandbox's mount namespace; the host is reached
// only through the binds the spec names.
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/sandbox/id_map.hpp"
#include "builder/sandbox/init.hpp"
#include "builder/sandbox/init_steps.hpp"
#include "builder/sandbox/launcher.hpp"

namespace xbuild::sandbox {

namespace {

volatile pid_t g_forward_to = -1;
volatile sig_atomic_t g_signal = 0;

// clone() with new namespaces, fork-style (no separate stack): the child is PID 1 of the new pid
// namespace, root of a new user namespace. Only the child enters the namespaces.
pid_t step_clone(const SandboxSpec& spec) {
    unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
    if (!spec.network) flags |= CLONE_NEWNET;
    pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
    if (pid < 0)
        fail("sandbox: clone: creating user, mount, pid, ipc, uts and net namespaces: {}", errno_text(errno));
    return pid;
}

void kill_namespace(int signal_number) {
    g_signal = signal_number;
    // SIGKILL of the namespace's init kills every process in the namespace.
    if (g_forward_to > 0) ::kill(g_forward_to, SIGKILL);
}

// One byte of the go pipe to init. Init may already have exited (a setup step failed: its message
// is on the error pipe): the write then fails with EPIPE, and the SIGPIPE it raises must not kill
// xbuild before that message is read. SIGPIPE is blocked around the write and a pending one taken.
void send_go(int fd, char byte) {
    sigset_t pipe_only, previous;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    const bool was_pending = sigismember(&pending, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    ssize_t written = ::write(fd, &byte, 1);
    if (written < 0 && errno == EPIPE && !was_pending) {
        timespec none{0, 0};
        ::sigtimedwait(&pipe_only, nullptr, &none);
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 125;
    }
    return process::exit_code_of(status);
}

}  // namespace

int helper_main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "xbuild: error: %s is internal to xbuild\n", k_helper_command);
        return 2;
    }
    pid_t parent = static_cast<pid_t>(std::atol(argv[0]));
    int error_fd = std::atoi(argv[1]);
    ::fcntl(error_fd, F_SETFD, FD_CLOEXEC);
    // Dies with xbuild, whatever killed it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) return 125;
    set_error_fd(error_fd);
    // The spec: a sealed memfd the launcher wrote (launcher.cpp), opened afresh to read from its start.
    SandboxSpec spec;
    try {
        spec = spec_from_json(fs::read_file(std::string("/proc/self/fd/") + argv[2]));
    } catch (const Error& error) {
        die("spec", error.what());
    }
    ::close(std::atoi(argv[2]));
    return run_helper(spec, error_fd);
}

pid_t start_init(const SandboxSpec& spec, int error_fd, SandboxCgroup& cgroup) {
    const IdMapping mapping = caller_id_mapping();
    cgroup = SandboxCgroup::create(spec.limits);
    int go[2];
    if (::pipe2(go, O_CLOEXEC) != 0) fail("sandbox: pipe: {}", errno_text(errno));
    pid_t init = step_clone(spec);
    if (init == 0) {
        set_error_fd(error_fd);
        ::close(go[1]);
        run_init(spec, go[0], cgroup);
    }
    ::close(go[0]);
    cgroup.close_join_fds();
    set_error_fd(-1);
    // 'g' after the id maps lets init mount while this process moves it into the cgroup; 'c' then
    // lets it fork CMD. EOF (a failure here) makes init exit without running anything.
    try {
        write_id_maps(init, mapping);
        send_go(go[1], 'g');
        cgroup.add(init);
    } catch (const Error&) {
        ::close(go[1]);
        wait_for(init);
        throw;
    }
    send_go(go[1], 'c');
    ::close(go[1]);
    return init;
}

int run_helper(const SandboxSpec& spec, int error_fd) {
    // Signals that arrive before init exists are held, then handled by kill_namespace.
    sigset_t block;
    sigemptyset(&block);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&block, sig);
    ::sigprocmask(SIG_BLOCK, &block, nullptr);
    pid_t init = -1;
    SandboxCgroup cgroup;
    try {
        init = start_init(spec, error_fd, cgroup);
    } catch (const Error& error) {
        set_error_fd(error_fd);
        die("start", error.what());
    }
    ::close(error_fd);
    g_forward_to = init;
    struct sigaction action {};
    action.sa_handler = kill_namespace;
    sigemptyset(&action.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::sigaction(sig, &action, nullptr);
    ::sigprocmask(SIG_UNBLOCK, &block, nullptr);
    int code = wait_for(init);
    return g_signal != 0 ? 128 + g_signal : code;
}

}  // namespace xbuild::sandbox
