#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "builder/core/error.hpp"
#include "builder/core/file_lock.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;
using xbuild::test::contains;

namespace {

bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    // A zombie is dead too: "State: Z" in its status.
    std::string status;
    try {
        status = fs::read_file("/proc/" + std::to_string(pid) + "/status");
    } catch (const Error&) {
        return false;
    }
    return status.find("State:\tZ") == std::string::npos;
}

bool dies_within(pid_t pid, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (!alive(pid)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !alive(pid);
}

pid_t read_pid(const stdfs::path& file, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        try {
            std::string text = fs::read_file(file);
            if (!text.empty() && text.back() == '\n') return static_cast<pid_t>(std::stol(text));
        } catch (const Error&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
}

}  // namespace

TEST_SUITE("supervisor") {
    TEST_CASE("the program's exit status comes back; its output goes to the log") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-supervisor-test-");
        const stdfs::path log = dir.path() / "log";
        CHECK(process::run({"sh", "-c", "echo out; echo err >&2; exit 3"}, {.log_file = log}).exit_code == 3);
        CHECK(fs::read_file(log) == "out\nerr\n");
        CHECK(process::run({"sh", "-c", "kill -TERM $$"}, {.log_file = log}).exit_code == 128 + SIGTERM);
        CHECK(process::capture({"sh", "-c", "printf captured"}) == "captured");
        CHECK_THROWS_WITH_AS(process::capture({"sh", "-c", "exit 2"}), contains("failed with exit code 2"),
                             Error);
    }

    TEST_CASE("stdin is /dev/null and stray descriptors are closed") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-supervisor-test-");
        // ls of /proc/self/fd shows 0, 1, 2 and its own directory descriptor only.
        std::string fds =
            process::capture({"sh", "-c", "ls /proc/self/fd | wc -l; readlink /proc/self/fd/0"});
        CHECK(fds == "4\n/dev/null\n");
    }

    TEST_CASE("what the program leaves running is killed when it exits, even a new session") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-supervisor-test-");
        const stdfs::path pid_file = dir.path() / "pid";
        auto result = process::run(
            {"sh", "-c", "setsid sleep 60 </dev/null >/dev/null 2>&1 & echo $! >" + pid_file.string()});
        CHECK(result.exit_code == 0);
        pid_t sleeper = read_pid(pid_file, std::chrono::seconds(5));
        REQUIRE(sleeper > 0);
        CHECK(dies_within(sleeper, std::chrono::seconds(2)));
    }

    TEST_CASE("the directory lock is held while the program runs") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-supervisor-test-");
        const stdfs::path locked = dir.path() / "locked";
        fs::make_dirs(locked);
        // flock(1) opens the directory anew: an exclusive lock fails while the supervisor holds its
        // shared one.
        auto held = process::run({"flock", "-n", "-x", locked.string(), "true"}, {.lock_dir = locked});
        CHECK(held.exit_code != 0);
        CHECK(process::run({"flock", "-n", "-x", locked.string(), "true"}).exit_code == 0);
        CHECK(fs::FileLock::acquire(locked, fs::LockMode::exclusive, fs::LockWait::try_once));
    }

    TEST_CASE("a program that cannot start is an error naming it") {
        CHECK_THROWS_WITH_AS(process::run({"xbuild-no-such-program"}),
                             contains("'xbuild-no-such-program' was not found"), Error);
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-supervisor-test-");
        fs::write_file_atomic(dir.path() / "not-exec", "#!/bin/sh\n", 0755);
        ::chmod((dir.path() / "not-exec").c_str(), 0644);
        CHECK_THROWS_AS(process::run({(dir.path() / "not-exec").string()}), Error);
    }

    TEST_CASE("everything dies with the process that started it, even after kill -9") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-supervisor-test-");
        const stdfs::path pids = dir.path() / "pids";
        // A child process stands for xbuild: it runs a program that starts a grandchild in a session of
        // its own, then is killed with SIGKILL.
        std::fflush(nullptr);
        pid_t xbuild = ::fork();
        REQUIRE(xbuild >= 0);
        if (xbuild == 0) {
            try {
                process::run({"sh", "-c",
                              "setsid sleep 61 </dev/null >/dev/null 2>&1 & echo $! $$ >" + pids.string() +
                                  "; sleep 62"});
            } catch (...) {
            }
            ::_exit(0);
        }
        std::string text;
        for (int i = 0; i < 250 && text.find('\n') == std::string::npos; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            try {
                text = fs::read_file(pids);
            } catch (const Error&) {
            }
        }
        REQUIRE(text.find('\n') != std::string::npos);
        pid_t grandchild = static_cast<pid_t>(std::stol(text));
        pid_t program = static_cast<pid_t>(std::stol(text.substr(text.find(' ') + 1)));
        REQUIRE(alive(grandchild));
        REQUIRE(alive(program));
        ::kill(xbuild, SIGKILL);
        int status = 0;
        ::waitpid(xbuild, &status, 0);
        CHECK(dies_within(program, std::chrono::seconds(3)));
        CHECK(dies_within(grandchild, std::chrono::seconds(3)));
    }
}
