#pragma once
// A rootfs that mmdebstrap wrote as a tarball (--mode=unshare, for a user without root), unpacked as
// that user: every file is the caller's, so the sandbox's user namespace (0 = the caller) shows the
// tree as root's, as it shows the extract-only trees. Device nodes and fifos are skipped (the sandbox
// makes its own /dev), setuid and setgid bits dropped (no_new_privs ignores them anyway).
#include <filesystem>

namespace xbuild::stage {

// Unpacks tarball (trusted: mmdebstrap's own output) into root, which must not exist. Throws Error.
void unpack_rootfs_tarball(const std::filesystem::path& tarball, const std::filesystem::path& root);

}  // namespace xbuild::stage
