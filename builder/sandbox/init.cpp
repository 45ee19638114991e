// The sandbox's init and CMD, as short named steps (see helper.cpp for the parent's):
//
//   init:  PID 1: make / private → overlay (rootfs layers, upper on disk) → binds → /proc → /dev
//          → /tmp → host network files → pivot_root → loopback up → hostname → not dumpable, the
//          host's argv and environment wiped → rlimits → no_new_privs → seccomp filter (its listener
//          kept) → in the cgroup (the parent's "c") → vfork CMD → serve: reap, forward signals,
//          answer refused calls
//   CMD:   capabilities cut to the profile → close stray fds → chdir → exec with the clean environment
#include "builder/sandbox/init.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/linux_abi.hpp"
#include "builder/core/process.hpp"
#include "builder/sandbox/capabilities.hpp"
#include "builder/sandbox/init_steps.hpp"
#include "builder/sandbox/seccomp.hpp"

namespace xbuild::sandbox {

namespace {

constexpr int k_forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

std::string find_in_path(const std::string& program, const std::vector<std::string>& env) {
    if (program.find('/') != std::string::npos) return program;
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const std::string& entry : env) {
        if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
    }
    auto found = process::search_path(program, path);
    return found ? found->string() : std::string();
}

// What CMD execs, resolved in init before the fork: the child then only makes system calls (it shares
// init's memory until it execs).
struct ExecPlan {
    std::string program;
    std::vector<char*> argv, envp;
};

ExecPlan plan_exec(const SandboxSpec& spec) {
    if (spec.argv.empty()) die("exec", "no command given");
    ExecPlan plan;
    plan.program = find_in_path(spec.argv[0], spec.env);
    if (plan.program.empty()) die("exec", "command '" + spec.argv[0] + "' not found in the sandbox's PATH");
    for (const auto& arg : spec.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
    plan.argv.push_back(nullptr);
    for (const auto& entry : spec.env) plan.envp.push_back(const_cast<char*>(entry.c_str()));
    plan.envp.push_back(nullptr);
    return plan;
}

// CMD, in a vfork child of init: no allocation before exec (the error paths excepted, which end it).
[[noreturn]] void exec_command(const SandboxSpec& spec, const ExecPlan& plan, int log_fd) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : k_forwarded) ::signal(sig, SIG_DFL);
    if (const char* failed = limit_capabilities(capability_mask(spec.capabilities)))
        die_errno("exec", std::string("limiting capabilities: ") + failed);
    if (log_fd >= 0) {
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0)
            die_errno("exec", "redirecting output to the log");
    }
    // Stray fds of the host process and init's own (the filter's listener, the signalfd): only stdio
    // (and the error pipe, closed by exec) remain.
    const int report_fd = error_fd();
    if (report_fd > 3) ::syscall(SYS_close_range, 3u, static_cast<unsigned>(report_fd - 1), 0u);
    ::syscall(SYS_close_range, static_cast<unsigned>(report_fd + 1), ~0u, 0u);
    if (::chdir(spec.workdir.c_str()) != 0) die_errno("exec", "workdir " + spec.workdir.string());
    ::execve(plan.program.c_str(), plan.argv.data(), plan.envp.data());
    if (errno == ENOEXEC || errno == ENOENT)
        die("exec", "cannot run '" + plan.program + "': " + errno_text(errno) +
                        " (a foreign-arch binary needs its qemu binfmt entry; see `xbuild doctor`)");
    die_errno("exec", "cannot run '" + plan.program + "'");
}

// init was cloned from xbuild (or its helper): its memory still holds the host's argv and environment,
// which /proc/1/cmdline and /proc/1/environ would show. Wiped; init never reads them again.
void wipe_host_strings() {
    std::string stat;
    try {
        stat = fs::read_file("/proc/self/stat");
    } catch (const Error&) {
        die("harden", "reading /proc/self/stat");
    }
    // Fields after the command name's closing parenthesis start at field 3; arg_start is field 48.
    size_t at = stat.rfind(')');
    std::vector<unsigned long> fields;
    for (size_t i = at + 2; i < stat.size();) {
        size_t end = stat.find(' ', i);
        fields.push_back(std::strtoul(stat.substr(i, end - i).c_str(), nullptr, 10));
        if (end == std::string::npos) break;
        i = end + 1;
    }
    if (fields.size() < 49) die("harden", "unexpected /proc/self/stat");
    for (size_t first : {size_t{48 - 3}, size_t{50 - 3}}) {
        unsigned long start = fields[first], end = fields[first + 1];
        if (start != 0 && end > start) std::memset(reinterpret_cast<void*>(start), 0, end - start);
    }
}

// Answers the filter's refusals: EPERM, and one line in the sandbox's log each (the first 20).
class Refusals {
  public:
    Refusals(int listener, int report_fd) : m_listener(listener), m_report_fd(report_fd) {
        seccomp_notif_sizes sizes{};
        if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0)
            die_errno("seccomp", "notif sizes");
        m_request.resize(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
        m_response.resize(std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)));
    }

    void serve() {
        auto* request = reinterpret_cast<seccomp_notif*>(m_request.data());
        std::memset(m_request.data(), 0, m_request.size());
        if (::ioctl(m_listener, SECCOMP_IOCTL_NOTIF_RECV, request) != 0) return;  // the caller is gone
        auto* response = reinterpret_cast<seccomp_notif_resp*>(m_response.data());
        std::memset(m_response.data(), 0, m_response.size());
        response->id = request->id;
        response->error = -EPERM;
        ::ioctl(m_listener, SECCOMP_IOCTL_NOTIF_SEND, response);
        report(request->pid, refused_call_name(request->data.arch, request->data.nr));
    }

  private:
    void report(pid_t pid, const std::string& call) {
        if (++m_count > 20) return;
        std::string comm;
        try {
            comm = fs::read_file("/proc/" + std::to_string(pid) + "/comm");
        } catch (const Error&) {
        }
        while (!comm.empty() && comm.back() == '\n') comm.pop_back();
        std::string line = "xbuild: sandbox: refused " + call + "() of pid " + std::to_string(pid) + " (" +
                           comm + "): not allowed in xbuild's sandbox (EPERM)\n";
        if (m_count == 20) line += "xbuild: sandbox: further refusals are not shown\n";
        ssize_t ignored = ::write(m_report_fd, line.data(), line.size());
        (void)ignored;
    }

    int m_listener;
    int m_report_fd;
    std::vector<char> m_request, m_response;
    int m_count = 0;
};

// PID 1 of the namespace: reaps everything, forwards signals to CMD, answers the filter, and exits
// with CMD's status (which makes the kernel kill whatever CMD left running).
[[noreturn]] void serve(pid_t command, int signal_fd, int listener, int report_fd) {
    Refusals refusals(listener, report_fd);
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {listener, POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            ::_exit(125);
        }
        if (fds[1].revents & POLLIN)
            refusals.serve();
        else if (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL))
            fds[1].fd = -1;
        if (!(fds[0].revents & POLLIN)) continue;
        signalfd_siginfo info{};
        if (::read(signal_fd, &info, sizeof info) != sizeof info) continue;
        if (info.ssi_signo != SIGCHLD) {
            ::kill(command, static_cast<int>(info.ssi_signo));
            continue;
        }
        for (;;) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid != command) continue;
            ::_exit(process::exit_code_of(status));
        }
    }
}

// vfork: copying init's page tables (a copy of xbuild's) cost more than the rest of the exec. Kept
// out of line so that nothing of the caller lives across it.
[[gnu::noinline]] pid_t spawn_command(const SandboxSpec& spec, const ExecPlan& plan, int log_fd) {
    pid_t command = ::vfork();
    if (command < 0) die_errno("exec", "vfork");
    if (command == 0) exec_command(spec, plan, log_fd);
    return command;
}

// One byte from the parent: 'g' once the id maps are written, 'c' once init is in the cgroup. EOF
// instead means the parent failed (or died): init exits without running anything.
void wait_for_parent(int go_fd, char expected) {
    char byte = 0;
    while (::read(go_fd, &byte, 1) < 0 && errno == EINTR) {
    }
    if (byte != expected) ::_exit(125);
    if (expected == 'c') ::close(go_fd);
}

void set_limit(int resource, rlim_t value, const char* what) {
    rlimit limit{value, value};
    if (::setrlimit(resource, &limit) != 0) die_errno("limits", what);
}

}  // namespace

void run_init(const SandboxSpec& spec, int go_fd, const SandboxCgroup& cgroup) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (int error = cgroup.join_self()) {
        errno = error;
        die_errno("cgroup", "joining the sandbox's cgroup");
    }
    const bool limit_nproc = !cgroup.limits_pids();
    // Wait for the parent's go (written after the id maps and the cgroup). The parent is outside
    // this pid namespace (getppid() is 0 here); EOF instead of the byte means it died first.
    wait_for_parent(go_fd, 'g');
    step_make_root_private();
    auto new_root = step_overlay(spec);
    Fd root_fd(::open(new_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) die_errno("overlay", "opening the new root");
    // The sandbox's own /proc, /dev and /tmp first: a bind under /tmp or /dev goes on top of them
    // instead of being hidden by them.
    step_proc(root_fd.get());
    step_dev(root_fd.get(), spec.limits);
    step_tmp(root_fd.get(), spec.limits);
    step_binds(spec, root_fd.get());
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

    // Nothing in the sandbox may read init's memory (ptrace, /proc/1/mem, /proc/1/environ), and what
    // it showed of the host is gone.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die_errno("harden", "PR_SET_DUMPABLE");
    wipe_host_strings();
    set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE");
    if (limit_nproc && spec.limits.pids) set_limit(RLIMIT_NPROC, spec.limits.pids, "RLIMIT_NPROC");
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die_errno("harden", "PR_SET_NO_NEW_PRIVS");
    Fd listener(install_seccomp_filter());
    if (!listener) die_errno("seccomp", "installing the filter");

    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    for (int sig : k_forwarded) sigaddset(&handled, sig);
    ::sigprocmask(SIG_BLOCK, &handled, nullptr);
    Fd signal_fd(::signalfd(-1, &handled, SFD_CLOEXEC));
    if (!signal_fd) die_errno("init", "signalfd");

    const ExecPlan plan = plan_exec(spec);
    // The cgroup is joined (the parent's second byte) before anything of the build runs.
    wait_for_parent(go_fd, 'c');
    pid_t command = spawn_command(spec, plan, log_fd);
    int report_fd = log_fd >= 0 ? log_fd : STDERR_FILENO;
    ::close(error_fd());
    set_error_fd(-1);
    serve(command, signal_fd.get(), listener.get(), report_fd);
}

}  // namespace xbuild::sandbox
