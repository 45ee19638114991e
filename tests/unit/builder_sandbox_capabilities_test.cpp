#include <doctest/doctest.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "builder/core/error.hpp"
#include "builder/sandbox/capabilities.hpp"

using namespace xbuild;
using namespace xbuild::sandbox;

namespace {

std::uint64_t status_field(const std::string& name) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(name + ":", 0) == 0)
            return std::strtoull(line.substr(name.size() + 1).c_str(), nullptr, 16);
    return ~0ULL;
}

}  // namespace

TEST_SUITE("sandbox capabilities") {
    TEST_CASE("profiles") {
        CHECK(capability_mask(CapabilityProfile::none) == 0);
        CHECK((capability_mask(CapabilityProfile::build) & (1ULL << CAP_CHOWN)));
        CHECK_FALSE((capability_mask(CapabilityProfile::build) & (1ULL << CAP_SYS_ADMIN)));
        CHECK_FALSE((capability_mask(CapabilityProfile::apt) & (1ULL << CAP_SYS_ADMIN)));
        CHECK_FALSE((capability_mask(CapabilityProfile::apt) & (1ULL << CAP_MKNOD)));
        CHECK((capability_mask(CapabilityProfile::apt) & capability_mask(CapabilityProfile::build)) ==
              capability_mask(CapabilityProfile::build));
        CHECK(profile_from_name("apt") == CapabilityProfile::apt);
        CHECK_THROWS_AS(profile_from_name("all"), Error);
    }

    TEST_CASE("the bounding, permitted and effective sets become the profile") {
        if (::geteuid() != 0) return;  // dropping from the bounding set needs CAP_SETPCAP
        for (auto profile : {CapabilityProfile::none, CapabilityProfile::build}) {
            const std::uint64_t mask = capability_mask(profile);
            pid_t pid = ::fork();
            if (pid == 0) {
                if (limit_capabilities(mask) != nullptr) ::_exit(2);
                ::_exit(status_field("CapBnd") == mask && status_field("CapEff") == mask &&
                                status_field("CapPrm") == mask
                            ? 0
                            : 1);
            }
            int status = 0;
            ::waitpid(pid, &status, 0);
            CHECK(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 0);
        }
    }
}
