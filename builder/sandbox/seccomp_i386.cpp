// Syscall numbers of the i386 ABI, which an x86_64 kernel also serves (an i386 stage runs natively),
// by name, for the seccomp filter. Elsewhere the table is empty.
#if defined(__x86_64__)
#include <asm/unistd_32.h>
// Kernel headers older than Linux 5.12 and 5.14 (the wheel's floor has 5.10's) lack these; system
// calls from 424 on have the same number on every architecture (builder/core/linux_abi.hpp).
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_quotactl_fd
#define __NR_quotactl_fd 443
#endif
#endif

#include "builder/sandbox/seccomp.hpp"

namespace xbuild::sandbox {

const std::vector<SyscallNumber>& i386_syscalls() {
    static const std::vector<SyscallNumber> table = {
#if defined(__x86_64__)
#ifdef __NR_mount
        {"mount", __NR_mount},
#endif
#ifdef __NR_umount
        {"umount", __NR_umount},
#endif
#ifdef __NR_umount2
        {"umount2", __NR_umount2},
#endif
#ifdef __NR_pivot_root
        {"pivot_root", __NR_pivot_root},
#endif
#ifdef __NR_move_mount
        {"move_mount", __NR_move_mount},
#endif
#ifdef __NR_open_tree
        {"open_tree", __NR_open_tree},
#endif
#ifdef __NR_fsopen
        {"fsopen", __NR_fsopen},
#endif
#ifdef __NR_fsconfig
        {"fsconfig", __NR_fsconfig},
#endif
#ifdef __NR_fsmount
        {"fsmount", __NR_fsmount},
#endif
#ifdef __NR_fspick
        {"fspick", __NR_fspick},
#endif
#ifdef __NR_mount_setattr
        {"mount_setattr", __NR_mount_setattr},
#endif
#ifdef __NR_setns
        {"setns", __NR_setns},
#endif
#ifdef __NR_unshare
        {"unshare", __NR_unshare},
#endif
#ifdef __NR_clone
        {"clone", __NR_clone},
#endif
#ifdef __NR_clone3
        {"clone3", __NR_clone3},
#endif
#ifdef __NR_keyctl
        {"keyctl", __NR_keyctl},
#endif
#ifdef __NR_add_key
        {"add_key", __NR_add_key},
#endif
#ifdef __NR_request_key
        {"request_key", __NR_request_key},
#endif
#ifdef __NR_bpf
        {"bpf", __NR_bpf},
#endif
#ifdef __NR_perf_event_open
        {"perf_event_open", __NR_perf_event_open},
#endif
#ifdef __NR_userfaultfd
        {"userfaultfd", __NR_userfaultfd},
#endif
#ifdef __NR_kexec_load
        {"kexec_load", __NR_kexec_load},
#endif
#ifdef __NR_kexec_file_load
        {"kexec_file_load", __NR_kexec_file_load},
#endif
#ifdef __NR_reboot
        {"reboot", __NR_reboot},
#endif
#ifdef __NR_init_module
        {"init_module", __NR_init_module},
#endif
#ifdef __NR_finit_module
        {"finit_module", __NR_finit_module},
#endif
#ifdef __NR_delete_module
        {"delete_module", __NR_delete_module},
#endif
#ifdef __NR_create_module
        {"create_module", __NR_create_module},
#endif
#ifdef __NR_swapon
        {"swapon", __NR_swapon},
#endif
#ifdef __NR_swapoff
        {"swapoff", __NR_swapoff},
#endif
#ifdef __NR_acct
        {"acct", __NR_acct},
#endif
#ifdef __NR_quotactl
        {"quotactl", __NR_quotactl},
#endif
#ifdef __NR_quotactl_fd
        {"quotactl_fd", __NR_quotactl_fd},
#endif
#ifdef __NR_syslog
        {"syslog", __NR_syslog},
#endif
#ifdef __NR_open_by_handle_at
        {"open_by_handle_at", __NR_open_by_handle_at},
#endif
#ifdef __NR_settimeofday
        {"settimeofday", __NR_settimeofday},
#endif
#ifdef __NR_clock_settime
        {"clock_settime", __NR_clock_settime},
#endif
#ifdef __NR_clock_settime64
        {"clock_settime64", __NR_clock_settime64},
#endif
#ifdef __NR_clock_adjtime
        {"clock_adjtime", __NR_clock_adjtime},
#endif
#ifdef __NR_clock_adjtime64
        {"clock_adjtime64", __NR_clock_adjtime64},
#endif
#ifdef __NR_stime
        {"stime", __NR_stime},
#endif
#ifdef __NR_iopl
        {"iopl", __NR_iopl},
#endif
#ifdef __NR_ioperm
        {"ioperm", __NR_ioperm},
#endif
#ifdef __NR_lookup_dcookie
        {"lookup_dcookie", __NR_lookup_dcookie},
#endif
#ifdef __NR_uselib
        {"uselib", __NR_uselib},
#endif
#ifdef __NR_nfsservctl
        {"nfsservctl", __NR_nfsservctl},
#endif
#ifdef __NR_vm86
        {"vm86", __NR_vm86},
#endif
#ifdef __NR_vm86old
        {"vm86old", __NR_vm86old},
#endif
#ifdef __NR_get_kernel_syms
        {"get_kernel_syms", __NR_get_kernel_syms},
#endif
#ifdef __NR_query_module
        {"query_module", __NR_query_module},
#endif
#ifdef __NR_ioctl
        {"ioctl", __NR_ioctl},
#endif
#ifdef __NR_io_uring_setup
        {"io_uring_setup", __NR_io_uring_setup},
#endif
#ifdef __NR_io_uring_enter
        {"io_uring_enter", __NR_io_uring_enter},
#endif
#ifdef __NR_io_uring_register
        {"io_uring_register", __NR_io_uring_register},
#endif
#endif
    };
    return table;
}

}  // namespace xbuild::sandbox
