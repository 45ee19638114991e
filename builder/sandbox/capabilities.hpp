#pragma once
// What the root of a sandbox may do: a capability bounding set per kind of run. Root inside is
// root of the sandbox's own user namespace, so even a full set gives nothing over the host; the
// profiles cut the kernel surface further, as docker's default set does.
#include <cstdint>
#include <string_view>

namespace xbuild::sandbox {

enum class CapabilityProfile {
    none,   // runtime and test stages, image steps: no capability at all
    build,  // toolchain builds: owners and modes of files (CHOWN, DAC_OVERRIDE, FOWNER, FSETID), set*id, KILL
    apt,    // apt and dpkg installing a stage layer: build's, plus SETPCAP, SETFCAP, SYS_CHROOT,
            // NET_BIND_SERVICE
};

std::string_view profile_name(CapabilityProfile profile);
CapabilityProfile profile_from_name(std::string_view name);  // throws Error
// The capability bits (1 << CAP_x) of a profile.
std::uint64_t capability_mask(CapabilityProfile profile);

// In the command's process before exec: drops every capability outside mask from the bounding set
// and the ambient set, and sets permitted, effective and inheritable to mask, so that what CMD execs
// (as root) gets exactly mask. Async-signal-safe (it runs between fork and exec); returns the failing
// call's name, or nullptr on success.
const char* limit_capabilities(std::uint64_t mask);

}  // namespace xbuild::sandbox
