#include <doctest/doctest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <type_traits>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/interrupt.hpp"
#include "builder/core/process.hpp"

using namespace xbuild;
using namespace std::chrono_literals;

namespace {

// A child that sleeps for seconds, and its pidfd.
struct Sleeper {
    pid_t pid;
    Fd pidfd;
    explicit Sleeper(int seconds) : pid(::fork()), pidfd() {
        if (pid == 0) {
            ::sleep(static_cast<unsigned>(seconds));
            ::_exit(0);
        }
        pidfd = Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    }
    ~Sleeper() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
};

// Requests an interrupt from another thread after a delay, as a binding's Ctrl-C does.
struct LateRequest {
    std::thread thread;
    explicit LateRequest(std::chrono::milliseconds delay)
        : thread([delay] {
              std::this_thread::sleep_for(delay);
              interrupt::request();
          }) {}
    ~LateRequest() {
        thread.join();
        interrupt::clear();
    }
};

}  // namespace

TEST_SUITE("interrupt") {
    TEST_CASE("a request stays until cleared") {
        interrupt::clear();
        CHECK_FALSE(interrupt::requested());
        interrupt::request();
        interrupt::request();
        CHECK(interrupt::requested());
        CHECK(interrupt::requested());
        interrupt::clear();
        CHECK_FALSE(interrupt::requested());
        CHECK(std::string(interrupt::Interrupted().what()) == "interrupted");
    }

    // The per-build-id `catch (const Error&)` must let it through to the front end.
    static_assert(!std::is_base_of_v<Error, interrupt::Interrupted>);

    TEST_CASE("wait_child wakes for the child's exit, a request, or the timeout") {
        interrupt::clear();
        {
            Sleeper quick(0);
            REQUIRE(quick.pidfd);
            CHECK(interrupt::wait_child(quick.pidfd.get()) == interrupt::Wake::exited);
        }
        {
            Sleeper slow(30);
            REQUIRE(slow.pidfd);
            CHECK(interrupt::wait_child(slow.pidfd.get(), 50ms) == interrupt::Wake::timed_out);
            const auto start = std::chrono::steady_clock::now();
            LateRequest late(100ms);
            CHECK(interrupt::wait_child(slow.pidfd.get()) == interrupt::Wake::interrupted);
            CHECK(std::chrono::steady_clock::now() - start < 10s);
        }
    }

    TEST_CASE("a host program being waited for is killed with all it started, and Interrupted thrown") {
        interrupt::clear();
        fs::TempDir dir(std::filesystem::temp_directory_path(), "interrupt-test-");
        const auto marker = dir.path() / "grandchild.pid";
        const auto start = std::chrono::steady_clock::now();
        {
            LateRequest late(300ms);
            // The program starts a grandchild that would outlive a plain kill of its parent.
            CHECK_THROWS_AS(process::run({"sh", "-c", "sleep 60 & echo $! > " + marker.string() + "; wait"}),
                            interrupt::Interrupted);
        }
        CHECK(std::chrono::steady_clock::now() - start < 20s);
        REQUIRE(std::filesystem::exists(marker));
        const pid_t grandchild = std::stoi(fs::read_file(marker));
        // Gone (the supervisor killed the tree and was reaped): no such process, or a zombie of init's.
        bool alive = ::kill(grandchild, 0) == 0;
        if (alive) {
            const std::string stat = fs::read_file("/proc/" + std::to_string(grandchild) + "/stat");
            alive = stat.find(") Z ") == std::string::npos;
        }
        CHECK_FALSE(alive);
    }
}
