#pragma once
// What one sandbox run needs; passed from the launcher to the re-executed helper as JSON.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/sandbox/capabilities.hpp"
#include "builder/sandbox/limits.hpp"

namespace xbuild::sandbox {

struct BindMount {
    std::filesystem::path source;  // on the host
    std::filesystem::path target;  // inside the sandbox (absolute)
    bool read_only = false;
};

struct SandboxSpec {
    // Read-only lower layers, topmost first (a stage layer over its base cache entry's root/).
    std::vector<std::filesystem::path> layers;
    // A directory on disk (the cache's sandbox/ directory) where the launcher makes this run's scratch
    // directory: the overlay's upper and work directories (so that what a build writes outside its
    // binds lives on disk, not in RAM) and the new root's mount point. Removed after the run.
    std::filesystem::path scratch_parent;
    // Set by the launcher: this run's directory below scratch_parent.
    std::filesystem::path scratch_dir;
    // Empty: writes go to the scratch directory and vanish with the run. Set (with work_dir on the
    // same file system): writes are kept there, which is how a stage layer is built.
    std::filesystem::path upper_dir;
    std::filesystem::path work_dir;
    std::vector<BindMount> binds;
    bool network = false;          // share the host's network (and its resolv.conf)
    std::vector<std::string> env;  // full environment, KEY=VALUE
    std::filesystem::path workdir = "/";
    std::vector<std::string> argv;
    std::string hostname = "xbuild";
    // Empty: CMD inherits xbuild's stdio. Set: stdin is /dev/null and stdout and stderr are
    // appended to this host file (build logs).
    std::filesystem::path log_file;
    // Bound at the same path inside, for qemu binfmt entries without the F flag.
    std::vector<std::filesystem::path> extra_files;
    // The capabilities CMD keeps (as root of the sandbox's user namespace).
    CapabilityProfile capabilities = CapabilityProfile::none;
    // Filled from the Launcher when the run starts.
    Limits limits;
};

std::string to_json(const SandboxSpec& spec);
SandboxSpec spec_from_json(const std::string& text);

// "SRC:DST[:ro]" (DST defaults to SRC); throws Error on a relative DST or a missing SRC.
BindMount parse_bind(const std::string& text);
// The sandbox's default environment plus overrides ("K=V"; a later K wins).
std::vector<std::string> sandbox_environment(const std::vector<std::string>& overrides);

}  // namespace xbuild::sandbox
