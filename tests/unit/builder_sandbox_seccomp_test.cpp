#include <doctest/doctest.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <set>
#include <string>

#include "builder/sandbox/seccomp.hpp"

using namespace xbuild::sandbox;

namespace {

// Runs probe in a child that has the filter with nobody serving its listener (refused calls then
// fail with ENOSYS instead of waiting); returns the child's exit code.
int in_filtered_child(int (*probe)()) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(90);
        int listener = install_seccomp_filter();
        if (listener < 0) ::_exit(91);
        ::close(listener);
        ::_exit(probe());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

// A classic-BPF interpreter for the instructions the filter uses: the filter's decision for one call,
// or 0xdeadbeef for a program that runs off its end or jumps out of it.
std::uint32_t run_filter(const std::vector<sock_filter>& program, const seccomp_data& data) {
    std::uint32_t a = 0;
    size_t pc = 0;
    for (int steps = 0; pc < program.size() && steps < 4096; ++steps) {
        const sock_filter& insn = program[pc];
        switch (BPF_CLASS(insn.code)) {
            case BPF_LD: {
                std::uint32_t word = 0;
                std::memcpy(&word, reinterpret_cast<const char*>(&data) + insn.k, sizeof word);
                a = word;
                ++pc;
                break;
            }
            case BPF_RET:
                return insn.k;
            case BPF_JMP: {
                if (BPF_OP(insn.code) == BPF_JA) {
                    pc += 1 + insn.k;
                    break;
                }
                bool taken = BPF_OP(insn.code) == BPF_JEQ    ? a == insn.k
                             : BPF_OP(insn.code) == BPF_JGE  ? a >= insn.k
                             : BPF_OP(insn.code) == BPF_JSET ? (a & insn.k) != 0
                                                             : false;
                pc += 1 + (taken ? insn.jt : insn.jf);
                break;
            }
            default:
                return 0xdeadbeef;
        }
    }
    return 0xdeadbeef;
}

std::uint32_t decision_for_number(int nr, std::uint64_t arg0 = 0, std::uint64_t arg1 = 0) {
    seccomp_data data{};
    data.nr = nr;
#if defined(__x86_64__)
    data.arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    data.arch = AUDIT_ARCH_AARCH64;
#endif
    data.args[0] = arg0;
    data.args[1] = arg1;
    return run_filter(seccomp_program(), data);
}

std::uint32_t decision_for(const char* name, std::uint64_t arg0 = 0, std::uint64_t arg1 = 0) {
    for (const SyscallNumber& entry : native_syscalls())
        if (std::string(entry.name) == name) return decision_for_number(entry.nr, arg0, arg1);
    return 0xfeedface;  // not a call of this ABI
}

}  // namespace

TEST_SUITE("sandbox seccomp") {
    TEST_CASE("the program is well formed") {
        auto program = seccomp_program();
        CHECK(program.size() > 50);
        CHECK(program.size() < 1000);
        // Every conditional jump lands inside the program.
        for (size_t i = 0; i < program.size(); ++i) {
            const auto& insn = program[i];
            if (BPF_CLASS(insn.code) != BPF_JMP) continue;
            size_t far = BPF_OP(insn.code) == BPF_JA ? insn.k : std::max(insn.jt, insn.jf);
            CHECK(i + 1 + far < program.size());
        }
        CHECK(BPF_CLASS(program.back().code) == BPF_RET);
    }

    TEST_CASE("refused calls fail, ordinary ones work") {
        // A namespace, a mount, the keyring: refused.
        CHECK(in_filtered_child([] { return ::unshare(CLONE_NEWUSER) == 0 ? 1 : 0; }) == 0);
        // A target that does not exist: an unfiltered mount fails with ENOENT instead of covering a
        // host directory (the child shares the test's mount namespace).
        CHECK(in_filtered_child([] {
                  long r =
                      ::syscall(SYS_mount, "none", "/nonexistent-xbuild-seccomp-test", "tmpfs", 0, nullptr);
                  return r < 0 && errno == ENOSYS ? 0 : 1;
              }) == 0);
        CHECK(in_filtered_child([] { return ::syscall(SYS_keyctl, 0, 0, 0, 0, 0) == 0 ? 1 : 0; }) == 0);
        // clone3 answers ENOSYS so that glibc falls back to clone, which works without namespace flags.
        CHECK(in_filtered_child([] {
                  long r = ::syscall(SYS_clone3, nullptr, 0);
                  return r < 0 && errno == ENOSYS ? 0 : 1;
              }) == 0);
        CHECK(in_filtered_child([] {
                  pid_t child = ::fork();
                  if (child == 0) ::_exit(7);
                  int status = 0;
                  ::waitpid(child, &status, 0);
                  return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : 1;
              }) == 0);
        // unshare without namespace flags stays allowed; TIOCSTI does not.
        CHECK(in_filtered_child([] { return ::unshare(CLONE_FILES) == 0 ? 0 : 1; }) == 0);
        CHECK(in_filtered_child([] {
                  char c = 'x';
                  return ::ioctl(0, TIOCSTI, &c) != 0 && errno == ENOSYS ? 0 : 1;
              }) == 0);
        CHECK(in_filtered_child([] { return ::getpid() > 0 ? 0 : 1; }) == 0);
    }

    TEST_CASE("each call number gets the decision of its rule") {
        const std::set<std::string> refused = {"mount",           "umount2",       "pivot_root",
                                               "setns",           "keyctl",        "bpf",
                                               "kexec_load",      "init_module",   "reboot",
                                               "swapon",          "open_tree",     "fsopen",
                                               "perf_event_open", "userfaultfd",   "open_by_handle_at",
                                               "syslog",          "mount_setattr", "acct"};
        for (const auto& name : refused)
            CHECK_MESSAGE(decision_for(name.c_str()) == SECCOMP_RET_USER_NOTIF, name);
        for (const char* name : {"clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"})
            CHECK_MESSAGE(decision_for(name) == (SECCOMP_RET_ERRNO | ENOSYS), name);
        CHECK(decision_for("unshare", CLONE_NEWNS) == SECCOMP_RET_USER_NOTIF);
        CHECK(decision_for("unshare", CLONE_FILES) == SECCOMP_RET_ALLOW);
        CHECK(decision_for("ioctl", 0, TIOCSTI) == SECCOMP_RET_USER_NOTIF);
        CHECK(decision_for("ioctl", 0, TIOCGWINSZ) == SECCOMP_RET_ALLOW);
        // Every other call number is allowed (below, between and above the refused ones; the table
        // holds only the numbers the rules name), and every path of the program ends in a return.
        std::set<int> named;
        for (const SyscallNumber& entry : native_syscalls()) named.insert(entry.nr);
        size_t allowed = 0;
        for (int nr = 0; nr < 1100; ++nr) {
            if (named.count(nr)) continue;
            std::uint32_t decision = decision_for_number(nr);
            CHECK(decision != 0xdeadbeef);
            if (decision == SECCOMP_RET_ALLOW) ++allowed;
        }
        CHECK(allowed == 1100 - named.size());
        for (long nr :
             {SYS_read, SYS_write, SYS_openat, SYS_execve, SYS_mmap, SYS_futex, SYS_wait4, SYS_getpid})
            CHECK_MESSAGE(decision_for_number(static_cast<int>(nr)) == SECCOMP_RET_ALLOW, nr);
    }

    TEST_CASE("refused calls are named") {
        CHECK(refused_call_name(0, SYS_mount) == "mount");
        CHECK(refused_call_name(0, 99999) == "syscall 99999");
    }
}
