// Syscall numbers of the build machine's own ABI, by name, for the seccomp filter.
#include <sys/syscall.h>

#include "builder/core/linux_abi.hpp"  // the calls newer than the C library's headers
#include "builder/sandbox/seccomp.hpp"

namespace xbuild::sandbox {

const std::vector<SyscallNumber>& native_syscalls() {
    static const std::vector<SyscallNumber> table = {
#ifdef SYS_mount
        {"mount", SYS_mount},
#endif
#ifdef SYS_umount
        {"umount", SYS_umount},
#endif
#ifdef SYS_umount2
        {"umount2", SYS_umount2},
#endif
#ifdef SYS_pivot_root
        {"pivot_root", SYS_pivot_root},
#endif
#ifdef SYS_move_mount
        {"move_mount", SYS_move_mount},
#endif
#ifdef SYS_open_tree
        {"open_tree", SYS_open_tree},
#endif
#ifdef SYS_fsopen
        {"fsopen", SYS_fsopen},
#endif
#ifdef SYS_fsconfig
        {"fsconfig", SYS_fsconfig},
#endif
#ifdef SYS_fsmount
        {"fsmount", SYS_fsmount},
#endif
#ifdef SYS_fspick
        {"fspick", SYS_fspick},
#endif
#ifdef SYS_mount_setattr
        {"mount_setattr", SYS_mount_setattr},
#endif
#ifdef SYS_setns
        {"setns", SYS_setns},
#endif
#ifdef SYS_unshare
        {"unshare", SYS_unshare},
#endif
#ifdef SYS_clone
        {"clone", SYS_clone},
#endif
#ifdef SYS_clone3
        {"clone3", SYS_clone3},
#endif
#ifdef SYS_keyctl
        {"keyctl", SYS_keyctl},
#endif
#ifdef SYS_add_key
        {"add_key", SYS_add_key},
#endif
#ifdef SYS_request_key
        {"request_key", SYS_request_key},
#endif
#ifdef SYS_bpf
        {"bpf", SYS_bpf},
#endif
#ifdef SYS_perf_event_open
        {"perf_event_open", SYS_perf_event_open},
#endif
#ifdef SYS_userfaultfd
        {"userfaultfd", SYS_userfaultfd},
#endif
#ifdef SYS_kexec_load
        {"kexec_load", SYS_kexec_load},
#endif
#ifdef SYS_kexec_file_load
        {"kexec_file_load", SYS_kexec_file_load},
#endif
#ifdef SYS_reboot
        {"reboot", SYS_reboot},
#endif
#ifdef SYS_init_module
        {"init_module", SYS_init_module},
#endif
#ifdef SYS_finit_module
        {"finit_module", SYS_finit_module},
#endif
#ifdef SYS_delete_module
        {"delete_module", SYS_delete_module},
#endif
#ifdef SYS_create_module
        {"create_module", SYS_create_module},
#endif
#ifdef SYS_swapon
        {"swapon", SYS_swapon},
#endif
#ifdef SYS_swapoff
        {"swapoff", SYS_swapoff},
#endif
#ifdef SYS_acct
        {"acct", SYS_acct},
#endif
#ifdef SYS_quotactl
        {"quotactl", SYS_quotactl},
#endif
#ifdef SYS_quotactl_fd
        {"quotactl_fd", SYS_quotactl_fd},
#endif
#ifdef SYS_syslog
        {"syslog", SYS_syslog},
#endif
#ifdef SYS_open_by_handle_at
        {"open_by_handle_at", SYS_open_by_handle_at},
#endif
#ifdef SYS_settimeofday
        {"settimeofday", SYS_settimeofday},
#endif
#ifdef SYS_clock_settime
        {"clock_settime", SYS_clock_settime},
#endif
#ifdef SYS_clock_settime64
        {"clock_settime64", SYS_clock_settime64},
#endif
#ifdef SYS_clock_adjtime
        {"clock_adjtime", SYS_clock_adjtime},
#endif
#ifdef SYS_clock_adjtime64
        {"clock_adjtime64", SYS_clock_adjtime64},
#endif
#ifdef SYS_stime
        {"stime", SYS_stime},
#endif
#ifdef SYS_iopl
        {"iopl", SYS_iopl},
#endif
#ifdef SYS_ioperm
        {"ioperm", SYS_ioperm},
#endif
#ifdef SYS_lookup_dcookie
        {"lookup_dcookie", SYS_lookup_dcookie},
#endif
#ifdef SYS_uselib
        {"uselib", SYS_uselib},
#endif
#ifdef SYS_nfsservctl
        {"nfsservctl", SYS_nfsservctl},
#endif
#ifdef SYS_vm86
        {"vm86", SYS_vm86},
#endif
#ifdef SYS_vm86old
        {"vm86old", SYS_vm86old},
#endif
#ifdef SYS_get_kernel_syms
        {"get_kernel_syms", SYS_get_kernel_syms},
#endif
#ifdef SYS_query_module
        {"query_module", SYS_query_module},
#endif
#ifdef SYS_ioctl
        {"ioctl", SYS_ioctl},
#endif
#ifdef SYS_io_uring_setup
        {"io_uring_setup", SYS_io_uring_setup},
#endif
#ifdef SYS_io_uring_enter
        {"io_uring_enter", SYS_io_uring_enter},
#endif
#ifdef SYS_io_uring_register
        {"io_uring_register", SYS_io_uring_register},
#endif
    };
    return table;
}

}  // namespace xbuild::sandbox
