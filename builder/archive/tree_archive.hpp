#pragma once
// A cache entry's directory as one file, to move it between machines (the registry cache): a pax tar
// compressed with zstd that keeps what a stage rootfs or an overlay layer needs to be the same tree
// again: types (directories, files, symlinks, hard links, overlayfs whiteouts: character device 0:0),
// modes, numeric owners, modification times (a byte-compiled .pyc names its source's) and extended
// attributes (overlayfs's opaque directories). Left out: security.* and system.* attributes, and other
// device nodes, fifos and sockets (a stage's own /dev: the sandbox mounts its own).
#include <filesystem>

namespace xbuild::archive {

// Writes every entry below dir (relative names, each directory before its contents, sorted) to file.
// Written by a user other than root, the caller's own files are recorded as root's (what the
// sandbox's user namespace shows them as). Throws Error naming the entry it cannot read.
void write_tree_archive(const std::filesystem::path& dir, const std::filesystem::path& file);

// Extracts such an archive into dest, which must exist (empty). Names that are absolute, hold "..",
// or lead through a symlink are refused, and so are device nodes other than overlay whiteouts
// (character device 0:0), fifos and sockets. As root, owners and device nodes are restored; as another
// user the files are the caller's, and an entry that cannot be made as it was (a whiteout, a
// trusted.* attribute) is an Error: a tree that differs from the one archived is never left to be
// used. On error dest may hold part of the tree: callers extract into a temporary directory.
void extract_tree_archive(const std::filesystem::path& file, const std::filesystem::path& dest);

}  // namespace xbuild::archive
