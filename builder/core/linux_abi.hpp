#pragma once
// Kernel interfaces that older C library headers do not name. xbuild's own wheels are compiled against
// their manylinux_2_31 floor (bullseye: glibc 2.31, Linux 5.10 headers), whose glibc knows neither
// close_range, openat2 nor CLONE_NEWTIME, and whose kernel headers predate mount_setattr (5.12) and
// quotactl_fd (5.14): without these the seccomp filter would not name the last two.
// Whether the running kernel has them is found out at run time, as before; these are only the names.
// The numbers are the kernel's: system calls from 424 on have the same number on every architecture.
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include <cstdint>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
// glibc 2.36's <sys/mount.h> (and Linux 5.12's <linux/mount.h>) define the struct with this macro.
#ifndef MOUNT_ATTR_SIZE_VER0
#define MOUNT_ATTR_SIZE_VER0 32
struct mount_attr {
    std::uint64_t attr_set;
    std::uint64_t attr_clr;
    std::uint64_t propagation;
    std::uint64_t userns_fd;
};
#endif
