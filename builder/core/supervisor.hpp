#pragma once
// Host programs (mmdebstrap and the apt, dpkg and perl processes it starts, patchelf, git) must not
// outlive xbuild, whatever ends it (kill -9 included), nor leave mounts behind. Each one runs under
// a supervisor: a fork of xbuild that runs only async-signal-safe code until the program is exec'd
// (so it is safe from the multithreaded Python and Node hosts), which
//   - gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG), and checks that its
//     parent is still there after asking, so a death in between is not missed;
//   - is a child subreaper: whatever the program starts, even a daemon that calls setsid, stays
//     its descendant;
//   - optionally (as root) gives the program a private mount namespace with / made private, so
//     mounts it makes (mmdebstrap --mode=root mounts /proc, /sys and /dev into the tree it builds)
//     never show on the host and vanish with the last process;
//   - optionally holds a shared flock on a directory for as long as any of those processes lives
//     (from before the program starts): whoever takes it exclusively knows that none is left
//     writing there (the rootfs cache cleans a killed build's directory that way);
//   - when the program exits, when xbuild dies or on SIGINT/SIGTERM/SIGHUP/SIGQUIT, kills every
//     descendant with SIGKILL (the program's process group, then its children list in /proc,
//     repeated until none is left), and exits with the program's status.
// The supervisor closes every descriptor it inherited except the ones it passes on, so it never
// keeps another thread's pipe open.
#include <sys/types.h>

namespace xbuild::process {

struct SupervisedCommand {
    const char* program = nullptr;  // the path to exec (no PATH lookup)
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    // The program's stdin, stdout and stderr; -1: xbuild's own.
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;
    const char* lock_dir = nullptr;  // flock'ed shared while any process started lives (may be null)
    bool private_mounts = false;     // a private mount namespace (needs CAP_SYS_ADMIN)
};

// Starts the supervisor and, under it, the program; returns once the program was exec'd, with the
// supervisor's pid. Waiting for that pid gives the program's status (exit code, or 128+N when it or
// the supervisor was killed by signal N). Throws Error naming the program and the failed step.
pid_t start_supervised(const SupervisedCommand& command);

}  // namespace xbuild::process
