#include "builder/core/supervisor.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/linux_abi.hpp"
#include "builder/core/process.hpp"

namespace xbuild::process {

namespace {

// What a failed step writes on the report pipe; EOF without a report means the program runs.
enum Step : int { step_lock = 1, step_namespace, step_private, step_fork, step_stdio, step_exec };

struct Report {
    int step;
    int error;
};

const char* step_name(int step) {
    switch (step) {
        case step_lock:
            return "locking its directory";
        case step_namespace:
            return "creating a mount namespace";
        case step_private:
            return "making / private in its mount namespace";
        case step_fork:
            return "fork";
        case step_stdio:
            return "redirecting its output";
        default:
            return "exec";
    }
}

// ---- From here to the end of the namespace: code of the supervisor and of the program before exec.
// Async-signal-safe only (plain system calls): no allocation, no locks, no stdio, no exceptions. ----

// fork() without the atfork handlers a host process may have registered (the child runs only
// system calls, so it needs none of the state they would fix up).
pid_t raw_fork() {
    return static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
}

[[noreturn]] void report_and_exit(int report_fd, int step, int error, int exit_code) {
    Report report{step, error};
    ssize_t written = ::write(report_fd, &report, sizeof report);
    (void)written;
    ::_exit(exit_code);
}

void close_range_of(unsigned first, unsigned last) {
    if (first > last) return;
    if (::syscall(SYS_close_range, first, last, 0u) == 0) return;
    struct rlimit limit {};
    unsigned end = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 1048576u
                       ? static_cast<unsigned>(limit.rlim_cur)
                       : 65536u;
    for (unsigned fd = first; fd <= last && fd < end; ++fd) ::close(static_cast<int>(fd));
}

// Closes every descriptor from 3 up except the ones in keep (sorted here; -1 entries ignored).
void close_all_but(int (&keep)[4]) {
    for (int i = 1; i < 4; ++i)
        for (int j = i; j > 0 && keep[j] < keep[j - 1]; --j) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    unsigned from = 3;
    for (int fd : keep) {
        if (fd < static_cast<int>(from)) continue;
        close_range_of(from, static_cast<unsigned>(fd) - 1);
        from = static_cast<unsigned>(fd) + 1;
    }
    close_range_of(from, ~0u);
}

void set_default_action(int signal_number) {
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    ::sigaction(signal_number, &action, nullptr);
}

// SIGKILL to each pid in /proc/SELF/task/SELF/children: the supervisor's children, which (as a
// subreaper) include every orphaned descendant.
void kill_children(pid_t self) {
    char path[64] = "/proc/";
    char digits[16];
    int n = 0;
    for (pid_t value = self; value > 0 && n < 15; value /= 10)
        digits[n++] = static_cast<char>('0' + value % 10);
    size_t length = std::strlen(path);
    auto append_pid = [&] {
        for (int i = n - 1; i >= 0; --i) path[length++] = digits[i];
    };
    append_pid();
    std::memcpy(path + length, "/task/", 6);
    length += 6;
    append_pid();
    std::memcpy(path + length, "/children", 10);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buffer[512];
    long pid = 0;
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        for (ssize_t i = 0; i < got; ++i) {
            if (buffer[i] >= '0' && buffer[i] <= '9') {
                pid = pid * 10 + (buffer[i] - '0');
            } else {
                if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
                pid = 0;
            }
        }
    }
    if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    ::close(fd);
}

// Kills the program's process group (group > 0), then every descendant, and reaps them all.
void kill_everything(pid_t group) {
    if (group > 0) ::kill(-group, SIGKILL);
    const pid_t self = static_cast<pid_t>(::syscall(SYS_getpid));
    sigset_t child_signal;
    sigemptyset(&child_signal);
    sigaddset(&child_signal, SIGCHLD);
    for (;;) {
        kill_children(self);
        for (;;) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG | __WALL);
            if (pid > 0) continue;
            if (pid < 0 && errno == EINTR) continue;
            if (pid < 0) return;  // ECHILD: nobody is left
            break;
        }
        // Descendants orphaned by the kills above become children: wait a moment, look again.
        struct timespec pause {
            0, 20 * 1000 * 1000
        };
        ::sigtimedwait(&child_signal, nullptr, &pause);
    }
}

[[noreturn]] void run_program(const SupervisedCommand& command, pid_t supervisor, int report_fd) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != supervisor) ::_exit(125);
    ::setpgid(0, 0);
    const int targets[3] = {0, 1, 2};
    const int sources[3] = {command.stdin_fd, command.stdout_fd, command.stderr_fd};
    for (int i = 0; i < 3; ++i)
        if (sources[i] >= 0 && ::dup2(sources[i], targets[i]) < 0)
            report_and_exit(report_fd, step_stdio, errno, 127);
    // Ignored signals stay ignored across exec (Python ignores SIGPIPE): the program gets the
    // defaults and an empty mask.
    for (int signal_number = 1; signal_number < NSIG; ++signal_number)
        if (signal_number != SIGKILL && signal_number != SIGSTOP) set_default_action(signal_number);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(command.program, command.argv, command.envp);
    report_and_exit(report_fd, step_exec, errno, 127);
}

[[noreturn]] void supervise(const SupervisedCommand& command, pid_t parent, int report_fd) {
    // Every signal is blocked (the parent blocked them around the fork). Those waited for get their
    // default action back: an ignored SIGCHLD would reap children behind waitpid's back, an ignored
    // SIGTERM would never arrive.
    sigset_t waited;
    sigemptyset(&waited);
    for (int signal_number : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
        sigaddset(&waited, signal_number);
        set_default_action(signal_number);
    }
    int keep[4] = {command.stdin_fd, command.stdout_fd, command.stderr_fd, report_fd};
    close_all_but(keep);
    // xbuild may have died before PR_SET_PDEATHSIG took effect: then nothing is started.
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) ::_exit(125);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (command.lock_dir != nullptr) {
        int lock_fd = ::open(command.lock_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lock_fd < 0) report_and_exit(report_fd, step_lock, errno, 125);
        while (::flock(lock_fd, LOCK_SH) != 0)
            if (errno != EINTR) report_and_exit(report_fd, step_lock, errno, 125);
    }
    if (command.private_mounts) {
        if (::unshare(CLONE_NEWNS) != 0) report_and_exit(report_fd, step_namespace, errno, 125);
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            report_and_exit(report_fd, step_private, errno, 125);
    }
    const pid_t self = static_cast<pid_t>(::syscall(SYS_getpid));
    const pid_t program = raw_fork();
    if (program < 0) report_and_exit(report_fd, step_fork, errno, 125);
    if (program == 0) run_program(command, self, report_fd);
    ::setpgid(program, program);  // also done by the program: whichever runs first
    ::close(report_fd);
    for (;;) {
        siginfo_t info;
        int signal_number = ::sigwaitinfo(&waited, &info);
        if (signal_number < 0) continue;
        if (signal_number != SIGCHLD) {
            // xbuild died (PR_SET_PDEATHSIG) or was interrupted: everything goes.
            kill_everything(program);
            ::_exit(128 + signal_number);
        }
        int status = 0;
        pid_t pid;
        while ((pid = ::waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
            if (pid != program) continue;
            // The program is done; whatever it left running goes too.
            kill_everything(-1);
            ::_exit(process::exit_code_of(status));
        }
    }
}

}  // namespace

pid_t start_supervised(const SupervisedCommand& command) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("failed to run {}: pipe: {}", command.program, errno_text(errno));
    Fd read_end(fds[0]), write_end(fds[1]);
    sigset_t all, saved;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved);
    const pid_t parent = ::getpid();
    const pid_t pid = raw_fork();
    if (pid == 0) supervise(command, parent, write_end.get());
    const int fork_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    if (pid < 0) fail("failed to run {}: fork: {}", command.program, errno_text(fork_error));
    write_end.reset();
    Report report{};
    size_t got = 0;
    while (got < sizeof report) {
        ssize_t n = ::read(read_end.get(), reinterpret_cast<char*>(&report) + got, sizeof report - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    if (got == sizeof report) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        fail("failed to run {}: {}: {}", command.program, step_name(report.step), errno_text(report.error));
    }
    return pid;
}

}  // namespace xbuild::process
