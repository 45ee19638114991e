#pragma once
// The sandbox's seccomp filter, in the spirit of docker's default profile: calls that reach past the
// sandbox's namespaces or into the kernel's most exposed interfaces are refused; everything else is
// allowed. Refused: mount and the new mount API, pivot_root, setns, unshare and clone with namespace
// flags, module loading, kexec, reboot, swap, the keyring (keyctl, add_key, request_key), bpf,
// perf_event_open, userfaultfd, open_by_handle_at, clock setting, iopl/ioperm, acct, quotactl,
// syslog, and the terminal-injecting ioctls TIOCSTI and TIOCLINUX. clone3 and io_uring answer ENOSYS
// silently (glibc and libuv fall back). Calls of other ABIs (x32; i386 on x86_64 is filtered with
// its own numbers) answer ENOSYS.
//
// A refused call is not killed: the sandbox's init receives it through the filter's listener
// (SECCOMP_RET_USER_NOTIF), answers EPERM and writes one line naming the call and the process to
// the sandbox's log, so a build that fails on it says why.
#include <cstdint>
#include <string>
#include <vector>

#include <linux/filter.h>

namespace xbuild::sandbox {

// The BPF program (exposed for unit tests).
std::vector<sock_filter> seccomp_program();
// Installs the program on the calling thread (PR_SET_NO_NEW_PRIVS must be set) and returns the
// listener fd, or -1 with errno set.
int install_seccomp_filter();
// "mount" for a refused call reported by the listener (arch and nr from seccomp_data).
std::string refused_call_name(std::uint32_t arch, int nr);

// Syscall numbers by name for one ABI (internal to the filter: the native table and, on x86_64,
// the i386 one live in separate files because their headers clash).
struct SyscallNumber {
    const char* name;
    int nr;
};
const std::vector<SyscallNumber>& native_syscalls();
const std::vector<SyscallNumber>& i386_syscalls();

}  // namespace xbuild::sandbox
