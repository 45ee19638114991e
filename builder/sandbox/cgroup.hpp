#pragma once
// The sandbox's cgroup: pids.max and the memory limit of one run, where the host lets xbuild make a
// cgroup (root, or a delegated cgroup v2 subtree). cgroup v2 is used when its pids and memory
// controllers can be enabled below xbuild's own cgroup, else the v1 pids and memory hierarchies
// (hybrid hosts). Where neither is writable the run has no cgroup and the process limit falls back to
// RLIMIT_NPROC (set by the sandbox's init).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/sandbox/limits.hpp"

namespace xbuild::sandbox {

class SandboxCgroup {
  public:
    SandboxCgroup() = default;
    // Makes the cgroup(s) for limits (nothing when limits ask for neither pids nor memory). Never
    // throws for a host without usable cgroups: the result then enforces nothing.
    static SandboxCgroup create(const Limits& limits);
    SandboxCgroup(const SandboxCgroup&) = delete;
    SandboxCgroup& operator=(const SandboxCgroup&) = delete;
    SandboxCgroup(SandboxCgroup&& other) noexcept;
    SandboxCgroup& operator=(SandboxCgroup&& other) noexcept;
    // Removes the cgroup directories (their processes must be gone: reaped).
    ~SandboxCgroup();

    // Moves pid (the sandbox's init, before it starts anything) into every cgroup; throws Error.
    void add(pid_t pid) const;
    bool limits_pids() const { return m_pids; }
    bool limits_memory() const { return m_memory; }
    // "cgroup v1 pids+memory" / "cgroup v2 pids+memory" / "no cgroup" (doctor, --verbose).
    std::string describe() const;

  private:
    void remove();

    std::vector<std::filesystem::path> m_dirs;
    bool m_pids = false;
    bool m_memory = false;
    int m_version = 0;
};

}  // namespace xbuild::sandbox
