#include "builder/sandbox/seccomp.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

#include "builder/core/linux_abi.hpp"

namespace xbuild::sandbox {

namespace {

#if defined(__x86_64__)
constexpr std::uint32_t k_native_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t k_native_arch = AUDIT_ARCH_AARCH64;
#elif defined(__riscv) && __riscv_xlen == 64
constexpr std::uint32_t k_native_arch = AUDIT_ARCH_RISCV64;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr std::uint32_t k_native_arch = AUDIT_ARCH_PPC64LE;
#elif defined(__s390x__)
constexpr std::uint32_t k_native_arch = AUDIT_ARCH_S390X;
#else
#error "xbuild's seccomp filter does not know this architecture"
#endif

// x32 calls are x86_64's with this bit set: refused as a whole.
constexpr std::uint32_t k_x32_bit = 0x40000000;

enum class Kind {
    refuse,          // EPERM through the listener, logged
    refuse_ns_flag,  // clone/unshare: refused when the flags argument asks for a namespace
    refuse_ioctl,    // ioctl: refused for TIOCSTI and TIOCLINUX
    absent,          // ENOSYS, silently: callers fall back (clone3, io_uring)
};

struct Rule {
    const char* name;
    Kind kind;
};

constexpr Rule k_rules[] = {
    {"mount", Kind::refuse},
    {"umount", Kind::refuse},
    {"umount2", Kind::refuse},
    {"pivot_root", Kind::refuse},
    {"move_mount", Kind::refuse},
    {"open_tree", Kind::refuse},
    {"fsopen", Kind::refuse},
    {"fsconfig", Kind::refuse},
    {"fsmount", Kind::refuse},
    {"fspick", Kind::refuse},
    {"mount_setattr", Kind::refuse},
    {"setns", Kind::refuse},
    {"keyctl", Kind::refuse},
    {"add_key", Kind::refuse},
    {"request_key", Kind::refuse},
    {"bpf", Kind::refuse},
    {"perf_event_open", Kind::refuse},
    {"userfaultfd", Kind::refuse},
    {"kexec_load", Kind::refuse},
    {"kexec_file_load", Kind::refuse},
    {"reboot", Kind::refuse},
    {"init_module", Kind::refuse},
    {"finit_module", Kind::refuse},
    {"delete_module", Kind::refuse},
    {"create_module", Kind::refuse},
    {"swapon", Kind::refuse},
    {"swapoff", Kind::refuse},
    {"acct", Kind::refuse},
    {"quotactl", Kind::refuse},
    {"quotactl_fd", Kind::refuse},
    {"syslog", Kind::refuse},
    {"open_by_handle_at", Kind::refuse},
    {"settimeofday", Kind::refuse},
    {"clock_settime", Kind::refuse},
    {"clock_settime64", Kind::refuse},
    {"clock_adjtime", Kind::refuse},
    {"clock_adjtime64", Kind::refuse},
    {"stime", Kind::refuse},
    {"iopl", Kind::refuse},
    {"ioperm", Kind::refuse},
    {"lookup_dcookie", Kind::refuse},
    {"uselib", Kind::refuse},
    {"nfsservctl", Kind::refuse},
    {"vm86", Kind::refuse},
    {"vm86old", Kind::refuse},
    {"get_kernel_syms", Kind::refuse},
    {"query_module", Kind::refuse},
    {"unshare", Kind::refuse_ns_flag},
    {"clone", Kind::refuse_ns_flag},
    {"ioctl", Kind::refuse_ioctl},
    {"clone3", Kind::absent},
    {"io_uring_setup", Kind::absent},
    {"io_uring_enter", Kind::absent},
    {"io_uring_register", Kind::absent},
};

constexpr std::uint32_t k_namespace_flags = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                            CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWTIME;

constexpr std::uint32_t k_allow = SECCOMP_RET_ALLOW;
constexpr std::uint32_t k_notify = SECCOMP_RET_USER_NOTIF;
constexpr std::uint32_t k_enosys = SECCOMP_RET_ERRNO | ENOSYS;

sock_filter statement(std::uint16_t code, std::uint32_t k) {
    return BPF_STMT(code, k);
}
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
    return BPF_JUMP(code, k, jt, jf);
}

// The low 32 bits of argument i (flags and ioctl requests fit in them).
std::uint32_t argument_low(int i) {
    std::uint32_t offset = offsetof(seccomp_data, args) + 8 * static_cast<std::uint32_t>(i);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    offset += 4;
#endif
    return offset;
}

int number_of(const std::vector<SyscallNumber>& table, const char* name) {
    for (const SyscallNumber& entry : table)
        if (std::strcmp(entry.name, name) == 0) return entry.nr;
    return -1;
}

#if defined(__s390x__)
constexpr int k_clone_flags_argument = 1;  // s390's clone takes the stack first
#else
constexpr int k_clone_flags_argument = 0;
#endif

struct NumberedRule {
    std::uint32_t nr;
    const Rule* rule;
};

// One rule's block: "if nr == N" then its decision, a return on every path; a call with another number
// jumps over the block.
void emit_rule(std::vector<sock_filter>& out, const NumberedRule& entry) {
    const Rule& rule = *entry.rule;
    switch (rule.kind) {
        case Kind::refuse:
        case Kind::absent:
            out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, entry.nr, 0, 1));
            out.push_back(statement(BPF_RET | BPF_K, rule.kind == Kind::refuse ? k_notify : k_enosys));
            break;
        case Kind::refuse_ns_flag: {
            int argument = std::strcmp(rule.name, "clone") == 0 ? k_clone_flags_argument : 0;
            out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, entry.nr, 0, 4));
            out.push_back(statement(BPF_LD | BPF_W | BPF_ABS, argument_low(argument)));
            out.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, k_namespace_flags, 0, 1));
            out.push_back(statement(BPF_RET | BPF_K, k_notify));
            out.push_back(statement(BPF_RET | BPF_K, k_allow));
            break;
        }
        case Kind::refuse_ioctl:
            out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, entry.nr, 0, 5));
            out.push_back(statement(BPF_LD | BPF_W | BPF_ABS, argument_low(1)));
            out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 1, 0));
            out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 0, 1));
            out.push_back(statement(BPF_RET | BPF_K, k_notify));
            out.push_back(statement(BPF_RET | BPF_K, k_allow));
            break;
    }
}

// A binary search over the rules sorted by number: an ordinary call passes about log2(rules) tests
// instead of every rule's, at each of its calls, and the kernel's check of the filter when it is
// installed (it runs the filter for every call number) is as many times shorter. Layout of a node:
// "nr >= pivot ? next : skip", the upper half, then the lower half; leaves test their few rules in
// turn and end in ALLOW.
std::vector<sock_filter> search_tree(const NumberedRule* first, size_t count) {
    std::vector<sock_filter> out;
    if (count <= 3) {
        for (size_t i = 0; i < count; ++i) emit_rule(out, first[i]);
        out.push_back(statement(BPF_RET | BPF_K, k_allow));
        return out;
    }
    const size_t half = count / 2;
    std::vector<sock_filter> upper = search_tree(first + half, count - half);
    std::vector<sock_filter> lower = search_tree(first, half);
    if (upper.size() > 255) throw std::logic_error("seccomp filter: a jump longer than BPF allows");
    out.push_back(
        jump(BPF_JMP | BPF_JGE | BPF_K, first[half].nr, 0, static_cast<std::uint8_t>(upper.size())));
    out.insert(out.end(), upper.begin(), upper.end());
    out.insert(out.end(), lower.begin(), lower.end());
    return out;
}

// The filter for one ABI: the call number, x32's refusal (x86_64), then the search over the rules.
std::vector<sock_filter> abi_section(const std::vector<SyscallNumber>& table, bool x32_check) {
    std::vector<sock_filter> out;
    out.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
    if (x32_check) {
        out.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, k_x32_bit, 0, 1));
        out.push_back(statement(BPF_RET | BPF_K, k_enosys));
    }
    std::vector<NumberedRule> rules;
    for (const Rule& rule : k_rules) {
        int nr = number_of(table, rule.name);
        if (nr >= 0) rules.push_back({static_cast<std::uint32_t>(nr), &rule});
    }
    std::stable_sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) { return a.nr < b.nr; });
    // One block per number (the first rule of a number wins, as in the table's order).
    rules.erase(
        std::unique(rules.begin(), rules.end(), [](const auto& a, const auto& b) { return a.nr == b.nr; }),
        rules.end());
    std::vector<sock_filter> tree = search_tree(rules.data(), rules.size());
    out.insert(out.end(), tree.begin(), tree.end());
    return out;
}

}  // namespace

std::vector<sock_filter> seccomp_program() {
    const bool x86 = k_native_arch == AUDIT_ARCH_X86_64;
    std::vector<sock_filter> native = abi_section(native_syscalls(), x86);
    std::vector<sock_filter> compat = x86 ? abi_section(i386_syscalls(), false) : std::vector<sock_filter>{};
    // arch == native → native section; arch == i386 (x86_64 only) → compat section; else ENOSYS.
    std::vector<sock_filter> program;
    program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, k_native_arch, 0, 1));
    program.push_back(statement(BPF_JMP | BPF_JA, 3));  // over the compat test and the default
    program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1));
    program.push_back(statement(BPF_JMP | BPF_JA, static_cast<std::uint32_t>(1 + native.size())));
    program.push_back(statement(BPF_RET | BPF_K, k_enosys));
    program.insert(program.end(), native.begin(), native.end());
    if (x86)
        program.insert(program.end(), compat.begin(), compat.end());
    else
        program.push_back(statement(BPF_RET | BPF_K, k_enosys));  // the (unused) compat jump's target
    return program;
}

int install_seccomp_filter() {
    std::vector<sock_filter> program = seccomp_program();
    sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
    return static_cast<int>(
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog));
}

std::string refused_call_name(std::uint32_t arch, int nr) {
    const auto& table =
        arch == AUDIT_ARCH_I386 && k_native_arch == AUDIT_ARCH_X86_64 ? i386_syscalls() : native_syscalls();
    for (const SyscallNumber& entry : table)
        if (entry.nr == nr) return entry.name;
    return "syscall " + std::to_string(nr);
}

}  // namespace xbuild::sandbox
