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

#include "builder/core/fd.hpp"
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

    // Moves pid (the sandbox's init, before it starts anything) into every cgroup that init does not
    // join itself (see join_self); throws Error.
    void add(pid_t pid) const;
    // cgroup v1: init joins by writing "0" to each cgroup's "tasks" file, opened here by xbuild before
    // the clone. The kernel moves a single thread that is the writer itself without its global
    // threadgroup lock, whose RCU grace period made the parent's write of init's pid to cgroup.procs
    // cost 5-25 ms, most of a sandbox's start. Called in init (single-threaded) before anything of the
    // build runs; returns 0 or the errno of the failed write.
    int join_self() const;
    // The parent's copies of the "tasks" descriptors are not needed once init exists.
    void close_join_fds() { m_join.clear(); }
    bool limits_pids() const { return m_pids; }
    bool limits_memory() const { return m_memory; }
    // "cgroup v1 pids+memory" / "cgroup v2 pids+memory" / "no cgroup" (doctor, --verbose).
    std::string describe() const;

  private:
    void remove();

    std::vector<std::filesystem::path> m_dirs;
    std::vector<Fd> m_join;     // v1: dirs[i]/tasks, for join_self
    bool m_init_joins = false;  // v1: init joins every cgroup itself; add() has nothing to do
    bool m_pids = false;
    bool m_memory = false;
    int m_version = 0;
};

}  // namespace xbuild::sandbox
