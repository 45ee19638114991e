#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "app/run.hpp"
#include "app/session.hpp"
#include "builder/core/error.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using xbuild::test::contains;

namespace {

struct Outcome {
    bool ok = false;
    std::string error;
    std::filesystem::path log;
};

}  // namespace

TEST_SUITE("app session") {
    TEST_CASE("the session's limits: its options first, then the XBUILD_* variables, else the defaults") {
        ::unsetenv("XBUILD_PIDS_LIMIT");
        ::setenv("XBUILD_TMPFS_SIZE", "256m", 1);
        app::Session session;
        session.pids_limit = "100";
        session.timeout = "90s";
        const sandbox::Launcher launcher = app::launcher(session);
        ::unsetenv("XBUILD_TMPFS_SIZE");
        CHECK(launcher.limits.pids == 100);
        CHECK(launcher.limits.timeout == std::chrono::seconds(90));
        CHECK(launcher.limits.tmpfs == std::uint64_t{256} << 20);
        CHECK(launcher.limits.shm == sandbox::default_limits().shm);
        CHECK(launcher.helper_exe.filename() == "xbuild_unit_tests");
    }

    TEST_CASE("a bad limit is an error naming the option") {
        app::Session session;
        session.memory = "lots";
        CHECK_THROWS_WITH_AS(app::launcher(session), contains("--memory"), Error);
        session.memory = "";
        session.shm_size = "1k";
        CHECK_THROWS_WITH_AS(app::launcher(session), contains("--shm-size"), Error);
    }

    TEST_CASE("the cache: the session's directory, else XBUILD_CACHE") {
        app::Session session;
        ::setenv("XBUILD_CACHE", "/tmp/xbuild-app-session-cache", 1);
        CHECK(session.cache() == "/tmp/xbuild-app-session-cache");
        session.cache_dir = "/tmp/elsewhere";
        CHECK(session.cache() == "/tmp/elsewhere");
        ::unsetenv("XBUILD_CACHE");
    }

    TEST_CASE("failures: one names its error and log, several are counted with the logs' directory") {
        std::vector<Outcome> outcomes(3);
        outcomes[0] = {true, "", "/c/logs/p/a.log"};
        outcomes[1] = {false, "b: build failed (exit 1)", "/c/logs/p/b.log"};
        outcomes[2] = {true, "", "/c/logs/p/c.log"};
        CHECK_THROWS_WITH_AS(app::fail_on_failures(outcomes, "build ids"),
                             "b: build failed (exit 1) (log: /c/logs/p/b.log)", Error);
        outcomes[2] = {false, "c: test failed (exit 2)", "/c/logs/p/c.log"};
        CHECK_THROWS_WITH_AS(app::fail_on_failures(outcomes, "build ids"),
                             "2 of 3 build ids failed (logs: /c/logs/p)", Error);
        outcomes[1].ok = outcomes[2].ok = true;
        CHECK_NOTHROW(app::fail_on_failures(outcomes, "build ids"));
    }

    TEST_CASE("the sandbox helper is recognised by its argument only") {
        char name[] = "xbuild", helper[] = "__sandbox-helper", other[] = "wheels";
        char* as_helper[] = {name, helper, nullptr};
        char* as_command[] = {name, other, nullptr};
        CHECK(app::is_sandbox_helper(2, as_helper));
        CHECK_FALSE(app::is_sandbox_helper(2, as_command));
        CHECK_FALSE(app::is_sandbox_helper(1, as_helper));
    }
}
