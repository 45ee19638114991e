#pragma once
// The user namespace of every sandbox, root or not (as bubblewrap and rootless podman do): root
// inside is root only over what the sandbox's namespaces own.
//   xbuild run as root:  identity map (0-4294967294 inside = the same ids outside), so the cached
//                        rootfs trees, made by root, keep their owners.
//   another user:        0 inside = the caller; 1..N = the caller's subordinate ids from /etc/subuid
//                        and /etc/subgid when it has them (set with newuidmap/newgidmap), so that
//                        dpkg and tests may switch users; else the caller alone.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace xbuild::sandbox {

struct IdRange {
    std::uint32_t start = 0;
    std::uint32_t count = 0;
};

struct IdMapping {
    bool identity = false;  // xbuild runs as root
    uid_t uid = 0;          // the caller
    gid_t gid = 0;
    std::optional<IdRange> subuids, subgids;
    // "root (identity map)", "uid 1000 + 65536 subordinate ids", "uid 1000 alone".
    std::string describe() const;
};

// The caller's mapping (reads /etc/subuid and /etc/subgid for a non-root caller).
IdMapping caller_id_mapping();
// The caller's range in a subordinate-id file ("name:start:count" or "uid:start:count" lines).
std::optional<IdRange> subordinate_range(const std::filesystem::path& file, uid_t uid,
                                         const std::string& user);

// Writes the maps of child's new user namespace (from outside it, before it goes on); throws Error.
void write_id_maps(pid_t child, const IdMapping& mapping);

}  // namespace xbuild::sandbox
