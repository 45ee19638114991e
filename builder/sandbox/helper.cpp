// The sandbox's processes, as short named steps (see DESIGN.md, conventions):
//
//   parent:  clone(user? mount pid ipc uts net?) → id maps → "go" → wait, kill init on signal
//            (the parent is the helper — "xbuild __sandbox-helper PARENT ERRFD SPEC" — or the
//            single-threaded CLI itself, see launcher.hpp)
//   init:    PID 1: make / private → tmpfs scratch → overlay(rootfs, tmpfs upper) → binds → /proc
//            → /dev → /tmp → host network files → pivot_root → loopback up → hostname → fork CMD → reap
//   CMD:     no_new_privs → close stray fds → chdir → exec with the clean environment
//
// A failing step writes "sandbox: <step>: <reason>" to ERRFD and exits; the launcher turns
// that into an xbuild::Error. Nothing is mounted outside the sandbox's mount namespace, and
// the overlay's upper layer lives in a tmpfs of that namespace: the host and the cache are
// never written, and everything disappears with init. The filesystem steps are in
// init_steps.cpp.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/sandbox/init_steps.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/sandbox/spec.hpp"

namespace xbuild::sandbox {

namespace {

volatile pid_t g_forward_to = -1;
volatile sig_atomic_t g_signal = 0;

// Reports a failed step to the launcher and ends this process.

// ---- steps of the parent (the helper, or the CLI itself) ----

// clone() with new namespaces, fork-style (no separate stack): the child is PID 1 of the new
// pid namespace. Only the child enters the namespaces; the caller's stay as they are.
pid_t step_clone(const SandboxSpec& spec, bool user_namespace) {
    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
    if (!spec.network) flags |= CLONE_NEWNET;
    if (user_namespace) flags |= CLONE_NEWUSER;
    pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
    if (pid < 0)
        fail("sandbox: clone: creating {}mount, pid, ipc, uts and net namespaces: {}",
             user_namespace ? "user, " : "", errno_text(errno));
    return pid;
}

// Maps the calling user to root inside: the rootfs (extracted by this user) is owned by "root".
void step_id_maps(pid_t child, uid_t uid, gid_t gid) {
    std::string proc = "/proc/" + std::to_string(child);
    const std::pair<std::string, std::string> writes[] = {
        {proc + "/setgroups", "deny"},
        {proc + "/uid_map", "0 " + std::to_string(uid) + " 1\n"},
        {proc + "/gid_map", "0 " + std::to_string(gid) + " 1\n"}};
    for (const auto& [file, content] : writes) {
        Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd || ::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
            fail("sandbox: uid/gid maps: writing {}: {}", file, errno_text(errno));
    }
}

void forward_signal(int signal_number) {
    g_signal = signal_number;
    if (g_forward_to > 0) ::kill(g_forward_to, signal_number);
}

void kill_namespace(int signal_number) {
    g_signal = signal_number;
    // SIGKILL of the namespace's init kills every process in the namespace.
    if (g_forward_to > 0) ::kill(g_forward_to, SIGKILL);
}

void install_handlers(void (*handler)(int)) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::sigaction(sig, &action, nullptr);
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 125;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}

std::string find_in_path(const std::string& program, const std::vector<std::string>& env) {
    if (program.find('/') != std::string::npos) return program;
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const std::string& entry : env) {
        if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
    }
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
        struct stat st;
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return {};
}

[[noreturn]] void exec_command(const SandboxSpec& spec, int log_fd) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, SIG_DFL);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die_errno("exec", "PR_SET_NO_NEW_PRIVS");
    if (log_fd >= 0) {
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0)
            die_errno("exec", "redirecting output to the log");
    }
    // Stray fds of the host process: only stdio (and the error pipe, closed by exec) remain.
    const int report_fd = error_fd();
    if (report_fd > 3) ::syscall(SYS_close_range, 3u, static_cast<unsigned>(report_fd - 1), 0u);
    ::syscall(SYS_close_range, static_cast<unsigned>(report_fd + 1), ~0u, 0u);
    if (::chdir(spec.workdir.c_str()) != 0) die_errno("exec", "workdir " + spec.workdir.string());
    if (spec.argv.empty()) die("exec", "no command given");
    std::string program = find_in_path(spec.argv[0], spec.env);
    if (program.empty()) die("exec", "command '" + spec.argv[0] + "' not found in the sandbox's PATH");
    std::vector<char*> argv, envp;
    for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    for (const auto& entry : spec.env) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    ::execve(program.c_str(), argv.data(), envp.data());
    if (errno == ENOEXEC || errno == ENOENT)
        die("exec", "cannot run '" + program + "': " + errno_text(errno) +
                        " (a foreign-arch binary needs its qemu binfmt entry; see `xbuild doctor`)");
    die_errno("exec", "cannot run '" + program + "'");
}

[[noreturn]] void run_init(const SandboxSpec& spec, bool user_namespace, int go_fd) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Wait for the parent's go (written after the id maps). The parent is outside this pid
    // namespace (getppid() is 0 here); EOF instead of the byte means it died before
    // PR_SET_PDEATHSIG took effect.
    char go = 0;
    while (::read(go_fd, &go, 1) < 0 && errno == EINTR) {
    }
    if (go != 'g') ::_exit(125);
    ::close(go_fd);
    step_make_root_private();
    auto new_root = step_overlay(spec, user_namespace);
    Fd root_fd(::open(new_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) die_errno("overlay", "opening the new root");
    step_binds(spec, root_fd.get());
    step_proc(root_fd.get());
    step_dev(root_fd.get(), user_namespace);
    step_tmp(root_fd.get());
    step_host_network_files(spec, root_fd.get());
    // Opened on the host before pivot_root; CMD gets it as stdout and stderr.
    int log_fd = -1;
    if (!spec.log_file.empty()) {
        log_fd = ::open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) die_errno("log", "opening " + spec.log_file.string());
    }
    root_fd.reset();
    step_pivot_root(new_root);
    if (!spec.network) step_loopback();
    if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) die_errno("hostname", "sethostname");

    pid_t command = ::fork();
    if (command < 0) die_errno("exec", "fork");
    if (command == 0) exec_command(spec, log_fd);
    if (log_fd >= 0) ::close(log_fd);
    ::close(error_fd());
    set_error_fd(-1);
    // PID 1 of the namespace: forward signals to CMD, reap orphans, exit with CMD's status
    // (which makes the kernel kill whatever CMD left running).
    g_forward_to = command;
    install_handlers(forward_signal);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            ::_exit(125);
        }
        if (pid != command) continue;
        if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
        ::_exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
    }
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
    SandboxSpec spec;
    try {
        spec = spec_from_json(argv[2]);
    } catch (const Error& error) {
        die("spec", error.what());
    }
    return run_helper(spec, error_fd);
}

pid_t start_init(const SandboxSpec& spec, int error_fd) {
    const bool user_namespace = ::geteuid() != 0;
    int go[2];
    if (::pipe2(go, O_CLOEXEC) != 0) fail("sandbox: pipe: {}", errno_text(errno));
    pid_t init = step_clone(spec, user_namespace);
    if (init == 0) {
        set_error_fd(error_fd);
        ::close(go[1]);
        run_init(spec, user_namespace, go[0]);
    }
    ::close(go[0]);
    set_error_fd(-1);
    if (user_namespace) {
        try {
            step_id_maps(init, ::getuid(), ::getgid());
        } catch (const Error&) {
            ::close(go[1]);  // EOF: init exits without running anything
            wait_for(init);
            throw;
        }
    }
    ssize_t written = ::write(go[1], "g", 1);
    (void)written;
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
    try {
        init = start_init(spec, error_fd);
    } catch (const Error& error) {
        set_error_fd(error_fd);
        die("start", error.what());
    }
    ::close(error_fd);
    g_forward_to = init;
    install_handlers(kill_namespace);
    ::sigprocmask(SIG_UNBLOCK, &block, nullptr);
    int code = wait_for(init);
    return g_signal != 0 ? 128 + g_signal : code;
}

}  // namespace xbuild::sandbox
