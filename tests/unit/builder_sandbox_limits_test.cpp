#include <doctest/doctest.h>
#include <stdlib.h>

#include "builder/core/error.hpp"
#include "builder/sandbox/limits.hpp"

using namespace xbuild;
using namespace xbuild::sandbox;

TEST_SUITE("sandbox limits") {
    TEST_CASE("defaults bound every sandbox") {
        Limits limits = default_limits();
        CHECK(limits.pids == 4096);
        CHECK(limits.memory > 0);
        CHECK(limits.tmpfs == (std::uint64_t{1} << 30));
        CHECK(limits.shm == (std::uint64_t{64} << 20));
        CHECK(limits.timeout == std::chrono::hours(2));
    }

    TEST_CASE("option values") {
        Limits limits;
        set_pids_limit(limits, "512", "--pids-limit");
        CHECK(limits.pids == 512);
        set_pids_limit(limits, "0", "--pids-limit");
        CHECK(limits.pids == 0);
        set_memory_limit(limits, "2g", "--memory");
        CHECK(limits.memory == (std::uint64_t{2} << 30));
        set_memory_limit(limits, "max", "--memory");
        CHECK(limits.memory == 0);
        set_tmpfs_size(limits, "256M", "--tmpfs-size");
        CHECK(limits.tmpfs == (std::uint64_t{256} << 20));
        set_shm_size(limits, "1m", "--shm-size");
        CHECK(limits.shm == (std::uint64_t{1} << 20));
        set_timeout(limits, "90", "--timeout");
        CHECK(limits.timeout == std::chrono::seconds(90));
        set_timeout(limits, "30m", "--timeout");
        CHECK(limits.timeout == std::chrono::minutes(30));
        set_timeout(limits, "0", "--timeout");
        CHECK(limits.timeout.count() == 0);
    }

    TEST_CASE("bad values name the option") {
        Limits limits;
        CHECK_THROWS_WITH_AS(set_pids_limit(limits, "lots", "--pids-limit"),
                             doctest::Contains("--pids-limit"), Error);
        CHECK_THROWS_WITH_AS(set_pids_limit(limits, "3", "--pids-limit"), doctest::Contains("16"), Error);
        CHECK_THROWS_WITH_AS(set_memory_limit(limits, "1k", "--memory"), doctest::Contains("below 16m"),
                             Error);
        CHECK_THROWS_WITH_AS(set_tmpfs_size(limits, "12q", "XBUILD_TMPFS_SIZE"),
                             doctest::Contains("XBUILD_TMPFS_SIZE"), Error);
        CHECK_THROWS_WITH_AS(set_timeout(limits, "soon", "--timeout"), doctest::Contains("--timeout"), Error);
        CHECK_THROWS_AS(set_shm_size(limits, "99999999999t", "--shm-size"), Error);
    }

    TEST_CASE("XBUILD_* variables") {
        ::setenv("XBUILD_PIDS_LIMIT", "100", 1);
        ::setenv("XBUILD_TIMEOUT", "5m", 1);
        Limits limits = default_limits();
        apply_limit_environment(limits);
        ::unsetenv("XBUILD_PIDS_LIMIT");
        ::unsetenv("XBUILD_TIMEOUT");
        CHECK(limits.pids == 100);
        CHECK(limits.timeout == std::chrono::minutes(5));
        CHECK(describe(limits).find("pids 100") != std::string::npos);
    }
}
