#pragma once
// The bounds of every sandbox run: processes, memory, the sizes of its tmpfs mounts and a
// wall-clock timeout. Each has a default, an option (--pids-limit, --memory, --tmpfs-size,
// --shm-size, --timeout) and an environment variable (XBUILD_PIDS_LIMIT, XBUILD_MEMORY,
// XBUILD_TMPFS_SIZE, XBUILD_SHM_SIZE, XBUILD_TIMEOUT).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace xbuild::sandbox {

struct Limits {
    // Processes and threads in the sandbox (the pids cgroup, else RLIMIT_NPROC); 0: unlimited.
    std::uint64_t pids = 4096;
    // Bytes of memory, tmpfs pages included (the memory cgroup, where the host gives one); 0: unlimited.
    std::uint64_t memory = 0;
    std::uint64_t tmpfs = std::uint64_t{1} << 30;  // size of /tmp
    std::uint64_t shm = std::uint64_t{64} << 20;   // size of /dev/shm
    // Wall-clock time of the sandboxed command; 0: none.
    std::chrono::seconds timeout{2 * 3600};
};

// The defaults: the values above, memory half of the machine's RAM.
Limits default_limits();

// Setters for an option's or variable's text; errors name `what` ("--memory", "XBUILD_MEMORY").
// pids: a count, or 0 / "max" for unlimited. Sizes: "512m", "2g", 0 / "max" for unlimited (memory
// only). Timeout: "90s", "30m", "2h", a bare number of seconds, 0 for none.
void set_pids_limit(Limits& limits, std::string_view text, std::string_view what);
void set_memory_limit(Limits& limits, std::string_view text, std::string_view what);
void set_tmpfs_size(Limits& limits, std::string_view text, std::string_view what);
void set_shm_size(Limits& limits, std::string_view text, std::string_view what);
void set_timeout(Limits& limits, std::string_view text, std::string_view what);

// The XBUILD_* variables above, over limits.
void apply_limit_environment(Limits& limits);

// "pids 4096, memory 11.7G, /tmp 1.0G, /dev/shm 64.0M, timeout 2h" for doctor and --verbose.
std::string describe(const Limits& limits);

}  // namespace xbuild::sandbox
