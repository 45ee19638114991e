#include "builder/sandbox/launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/interrupt.hpp"
#include "builder/core/process.hpp"

namespace xbuild::sandbox {

namespace {

// The helper starts with an empty environment: nothing of the host's reaches the sandbox's memory.
// The spec (the build's environment among it) reaches it in a sealed memfd, not on its command line,
// which every user of the machine can read in /proc/PID/cmdline.
pid_t spawn_helper(const SandboxSpec& spec, const std::filesystem::path& helper_exe, const Fd& write_end) {
    const int child_fd = 3, spec_child_fd = 4;
    Fd spec_fd(::memfd_create("xbuild-sandbox-spec", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!spec_fd) fail("sandbox: memfd_create: {}", errno_text(errno));
    if (!fs::write_all(spec_fd.get(), to_json(spec)) ||
        ::fcntl(spec_fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
        fail("sandbox: writing the spec for the helper: {}", errno_text(errno));
    std::string parent = std::to_string(::getpid());
    std::string fd_text = std::to_string(child_fd);
    std::string spec_text = std::to_string(spec_child_fd);
    std::string exe = helper_exe.string();
    char* argv[] = {exe.data(),       const_cast<char*>(k_helper_command),
                    parent.data(),    fd_text.data(),
                    spec_text.data(), nullptr};
    char* envp[] = {nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), child_fd);
    posix_spawn_file_actions_adddup2(&actions, spec_fd.get(), spec_child_fd);
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

// The scratch directory as a run leaves it (init, and with it the overlay, is gone): upper (what CMD
// wrote), and overlay's work/work (mode 0) with incompat/volatile below it. One rmdir per directory;
// only an upper with content, or anything unexpected, takes the walk of remove_tree. Every directory
// made and removed costs (on a disk mounted with discard, each rmdir waits for one), so a run makes
// only these.
void remove_scratch(const std::filesystem::path& dir) {
    for (const char* sub : {"work/work/incompat/volatile", "work/work/incompat", "work/work", "work"})
        ::rmdir((dir / sub).c_str());
    try {
        if (::rmdir((dir / "upper").c_str()) != 0 && errno == ENOTEMPTY) fs::remove_tree(dir / "upper");
        if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) fs::remove_tree(dir);
    } catch (const Error&) {
        // Destructors must not throw; TempDir's own removal tries again, `xbuild cache ls` shows a leftover.
    }
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
    // A layer being built brings its own upper and work directories (spec.upper_dir, work_dir).
    if (run.upper_dir.empty())
        for (const char* dir : {"upper", "work"}) fs::make_dirs(run.scratch_dir / dir);

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

    const std::string message = process::read_to_end(read_end.get());
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
    if (m_scratch) remove_scratch(m_scratch->path());
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
    return process::exit_code_of(status);
}

int SandboxProcess::wait() {
    if (m_pid > 0 && m_pidfd) {
        switch (interrupt::wait_child(m_pidfd.get(),
                                      std::chrono::duration_cast<std::chrono::milliseconds>(m_timeout))) {
            case interrupt::Wake::exited:
                break;
            case interrupt::Wake::interrupted:
                terminate();
                reap();
                throw interrupt::Interrupted();
            case interrupt::Wake::timed_out:
                terminate();
                reap();
                fail(
                    "sandbox: the command ran longer than the timeout of {} and was killed (--timeout, "
                    "XBUILD_TIMEOUT)",
                    format_seconds(static_cast<double>(m_timeout.count())));
        }
    }
    return reap();
}

int run_sandbox(const SandboxSpec& spec, const Launcher& launcher) {
    if (launcher.runner) return launcher.runner(spec);
    SandboxProcess process(spec, launcher);
    return process.wait();
}

void SandboxProcess::terminate() {
    if (m_pid > 0) ::kill(m_pid, kill_signal());
}

}  // namespace xbuild::sandbox
