#include "builder/sandbox/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "builder/core/error.hpp"

namespace xbuild::sandbox {

namespace {

constexpr std::uint64_t bit(int capability) {
    return std::uint64_t{1} << capability;
}

constexpr std::uint64_t k_build = bit(CAP_CHOWN) | bit(CAP_DAC_OVERRIDE) | bit(CAP_FOWNER) | bit(CAP_FSETID) |
                                  bit(CAP_SETUID) | bit(CAP_SETGID) | bit(CAP_KILL);
constexpr std::uint64_t k_apt =
    k_build | bit(CAP_SETPCAP) | bit(CAP_SETFCAP) | bit(CAP_SYS_CHROOT) | bit(CAP_NET_BIND_SERVICE);

}  // namespace

std::string_view profile_name(CapabilityProfile profile) {
    switch (profile) {
        case CapabilityProfile::none:
            return "none";
        case CapabilityProfile::build:
            return "build";
        case CapabilityProfile::apt:
            return "apt";
    }
    return "none";
}

CapabilityProfile profile_from_name(std::string_view name) {
    for (auto profile : {CapabilityProfile::none, CapabilityProfile::build, CapabilityProfile::apt})
        if (profile_name(profile) == name) return profile;
    fail("unknown capability profile '{}' (expected none, build or apt)", name);
}

std::uint64_t capability_mask(CapabilityProfile profile) {
    switch (profile) {
        case CapabilityProfile::none:
            return 0;
        case CapabilityProfile::build:
            return k_build;
        case CapabilityProfile::apt:
            return k_apt;
    }
    return 0;
}

const char* limit_capabilities(std::uint64_t mask) {
    // Capabilities the running kernel does not know give EINVAL: the end of the list.
    for (int capability = 0; capability < 64; ++capability) {
        if (mask & bit(capability)) continue;
        if (::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) {
            if (errno == EINVAL) break;
            return "PR_CAPBSET_DROP";
        }
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return "PR_CAP_AMBIENT_CLEAR_ALL";
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    for (int i = 0; i < 2; ++i) {
        auto word = static_cast<std::uint32_t>(mask >> (32 * i));
        data[i].effective = data[i].permitted = data[i].inheritable = word;
    }
    if (::syscall(SYS_capset, &header, data) != 0) return "capset";
    return nullptr;
}

}  // namespace xbuild::sandbox
