#include <doctest/doctest.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

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
        CHECK(in_filtered_child([] {
                  return ::syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, nullptr) == 0 ? 1 : 0;
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

    TEST_CASE("refused calls are named") {
        CHECK(refused_call_name(0, SYS_mount) == "mount");
        CHECK(refused_call_name(0, 99999) == "syscall 99999");
    }
}
