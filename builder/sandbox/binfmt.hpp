#pragma once
// Foreign-arch code runs through qemu-user registered in binfmt_misc.
#include <filesystem>
#include <string>

#include "builder/core/arch.hpp"

namespace xbuild::sandbox {

struct BinfmtStatus {
    bool mounted = false;     // /proc/sys/fs/binfmt_misc is mounted
    bool registered = false;  // a qemu-<arch> entry exists
    bool enabled = false;
    bool fix_binary = false;  // F flag: the interpreter is opened at registration, usable in any chroot
    std::filesystem::path interpreter;
    std::string entry;  // the entry's file name, e.g. qemu-aarch64
};

// /proc/sys/fs/binfmt_misc
std::filesystem::path binfmt_dir();
BinfmtStatus binfmt_status(const Arch& arch);
// The shell commands that register qemu for arch.
std::string binfmt_fix(const Arch& arch, const BinfmtStatus& status);
// Throws Error with the fix when arch is foreign and cannot run here; nothing for the host arch.
// Returns the status (callers bind the interpreter into the sandbox when fix_binary is false).
BinfmtStatus require_binfmt(const Arch& arch);

}  // namespace xbuild::sandbox
