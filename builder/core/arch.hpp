#pragma once
// The CPU architectures xbuild knows, under every name users type: Debian's (arm64),
// the kernel's (aarch64) and Node's (arm64/x64).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild {

struct Arch {
    std::string_view debian;       // amd64, arm64: apt, dpkg, mmdebstrap
    std::string_view uname;        // x86_64, aarch64: uname -m, wheel platform tags
    std::string_view gnu_triplet;  // x86_64-linux-gnu: multiarch dirs, cross compilers
    std::string_view node;         // x64, arm64: process.arch, prebuild folders
    std::string_view qemu;         // x86_64, aarch64: qemu-<name>, binfmt_misc entry names
    std::string_view oci;          // amd64, arm64: OCI platform.architecture
    std::string_view oci_variant;  // v8 for arm64, v7 for armhf
    std::uint16_t elf_machine;     // e_machine
    int elf_class;                 // 32 or 64
    bool little_endian;
};

// Every known architecture.
std::span<const Arch> all_archs();
// Looks an architecture up by any of its names; throws Error naming the known ones.
const Arch& arch_from_name(std::string_view name);
// The machine's own architecture (uname -m).
const Arch& host_arch();
// The architectures of a plan (--arch, a config's archs): each name looked up, an architecture named
// twice (in any spelling) kept once, in order; no names: the host's.
std::vector<const Arch*> archs_from_names(const std::vector<std::string>& names);
// "amd64, arm64, ..." for messages.
std::string known_arch_names();

}  // namespace xbuild
