#include "builder/sandbox/launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"

namespace xbuild::sandbox {

namespace {

// The helper starts with an empty environment: nothing of the host's reaches the sandbox's memory.
pid_t spawn_helper(const SandboxSpec& spec, const std::filesystem::path& helper_exe, const Fd& write_end) {
    const int child_fd = 3;
    std::string parent = std::to_string(::getpid());
    std::string fd_text = std::to_string(child_fd);
    std::string json = to_json(spec);
    std::string exe = helper_exe.string();
    char* argv[] = {
        exe.data(), const_cast<char*>(k_helper_command), parent.data(), fd_text.data(), json.data(), nullptr};
    char* envp[] = {nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), child_fd);
    // Default signal dispositions and an empty mask in the helper, whatever the host set.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    int error = ::posix_spawn(&pid, exe.c_str(), &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) fail("failed to start the sandbox helper {}: {}", exe, errno_text(error));
    return pid;
}

}  // namespace

SandboxProcess::SandboxProcess(const SandboxSpec& spec, const Launcher& launcher)
    : m_launch(launcher.launch), m_timeout(launcher.limits.timeout) {
    SandboxSpec run = spec;
    run.limits = launcher.limits;
    if (run.scratch_parent.empty()) fail("internal error: sandbox spec without a scratch directory");
    fs::make_dirs(run.scratch_parent);
    m_scratch.emplace(run.scratch_parent, "run-");
    run.scratch_dir = m_scratch->path();
    for (const char* dir : {"root", "upper", "work"}) fs::make_dirs(run.scratch_dir / dir);

    // The helper and the sandbox's init write a setup error here; exec of CMD closes the
    // last copy (O_CLOEXEC), so EOF without data means CMD is running.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe failed: {}", errno_text(errno));
    Fd read_end(fds[0]), write_end(fds[1]);
    if (m_launch == Launch::fork) {
        std::fflush(nullptr);
        m_pid = start_init(run, write_end.get(), m_cgroup);
    } else {
        m_pid = spawn_helper(run, launcher.helper_exe, write_end);
    }
    write_end.reset();
    m_pidfd = Fd(static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0)));

    std::string message;
    char buffer[1024];
    for (;;) {
        ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        message.append(buffer, static_cast<size_t>(n));
    }
    if (!message.empty()) {
        reap();
        throw Error(message);
    }
}

SandboxProcess::~SandboxProcess() {
    if (m_pid > 0) {
        terminate();
        reap();
    }
}

int SandboxProcess::reap() {
    if (m_pid <= 0) return 0;
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0) {
        if (errno != EINTR) {
            m_pid = -1;
            fail("waitpid failed: {}", errno_text(errno));
        }
    }
    m_pid = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

int SandboxProcess::wait() {
    if (m_pid > 0 && m_timeout.count() > 0 && m_pidfd) {
        const auto deadline = std::chrono::steady_clock::now() + m_timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                terminate();
                reap();
                fail(
                    "sandbox: the command ran longer than the timeout of {} and was killed (--timeout, "
                    "XBUILD_TIMEOUT)",
                    format_seconds(static_cast<double>(m_timeout.count())));
            }
            pollfd fd{m_pidfd.get(), POLLIN, 0};
            int ready = ::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
            if (ready > 0) break;
            if (ready < 0 && errno != EINTR) break;
        }
    }
    return reap();
}

int run_sandbox(const SandboxSpec& spec, const Launcher& launcher) {
    SandboxProcess process(spec, launcher);
    return process.wait();
}

void SandboxProcess::terminate() {
    if (m_pid > 0) ::kill(m_pid, kill_signal());
}

}  // namespace xbuild::sandbox
