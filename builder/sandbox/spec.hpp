#pragma once
// What one sandbox run needs; passed from the launcher to the re-executed helper as JSON.
#include <filesystem>
#include <string>
#include <vector>

namespace xbuild::sandbox {

struct BindMount {
    std::filesystem::path source;  // on the host
    std::filesystem::path target;  // inside the sandbox (absolute)
    bool read_only = false;
};

struct SandboxSpec {
    std::filesystem::path rootfs;       // read-only lower layer (a cache entry's root/)
    std::filesystem::path mount_point;  // empty host directory for the private tmpfs
    std::vector<BindMount> binds;
    bool network = false;          // share the host's network (and its resolv.conf)
    std::vector<std::string> env;  // full environment, KEY=VALUE
    std::filesystem::path workdir = "/";
    std::vector<std::string> argv;
    std::string hostname = "xbuild";
    // Bound at the same path inside, for qemu binfmt entries without the F flag.
    std::vector<std::filesystem::path> extra_files;
};

std::string to_json(const SandboxSpec& spec);
SandboxSpec spec_from_json(const std::string& text);

// "SRC:DST[:ro]" (DST defaults to SRC); throws Error on a relative DST or a missing SRC.
BindMount parse_bind(const std::string& text);
// The sandbox's default environment plus overrides ("K=V"; a later K wins).
std::vector<std::string> sandbox_environment(const std::vector<std::string>& overrides);

}  // namespace xbuild::sandbox
