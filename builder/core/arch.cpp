#include "builder/core/arch.hpp"

#include <algorithm>

#include <elf.h>

#include <sys/utsname.h>

#include <array>

#include "builder/core/error.hpp"

namespace xbuild {

namespace {

constexpr std::array<Arch, 7> k_archs{{
    {"amd64", "x86_64", "x86_64-linux-gnu", "x64", "x86_64", "amd64", "", EM_X86_64, 64, true},
    {"arm64", "aarch64", "aarch64-linux-gnu", "arm64", "aarch64", "arm64", "v8", EM_AARCH64, 64, true},
    {"armhf", "armv7l", "arm-linux-gnueabihf", "arm", "arm", "arm", "v7", EM_ARM, 32, true},
    {"i386", "i686", "i686-linux-gnu", "ia32", "i386", "386", "", EM_386, 32, true},
    {"riscv64", "riscv64", "riscv64-linux-gnu", "riscv64", "riscv64", "riscv64", "", EM_RISCV, 64, true},
    {"ppc64el", "ppc64le", "powerpc64le-linux-gnu", "ppc64", "ppc64le", "ppc64le", "", EM_PPC64, 64, true},
    {"s390x", "s390x", "s390x-linux-gnu", "s390x", "s390x", "s390x", "", EM_S390, 64, false},
}};

}  // namespace

std::span<const Arch> all_archs() {
    return k_archs;
}

std::string known_arch_names() {
    std::string names;
    for (const Arch& arch : k_archs) {
        if (!names.empty()) names += ", ";
        names += arch.debian;
    }
    return names;
}

const Arch& arch_from_name(std::string_view name) {
    for (const Arch& arch : k_archs) {
        if (name == arch.debian || name == arch.uname || name == arch.node || name == arch.gnu_triplet)
            return arch;
    }
    if (name == "x86-64") return k_archs[0];  // spellings no column above has
    if (name == "x86") return k_archs[3];
    fail("unknown architecture '{}' (known: {}; x86_64, aarch64, x64 also accepted)", name,
         known_arch_names());
}

const Arch& host_arch() {
    static const Arch& host = []() -> const Arch& {
        utsname info{};
        ::uname(&info);
        return arch_from_name(info.machine);
    }();
    return host;
}

std::vector<const Arch*> archs_from_names(const std::vector<std::string>& names) {
    std::vector<const Arch*> archs;
    for (const std::string& name : names) {
        const Arch* arch = &arch_from_name(name);
        if (std::find(archs.begin(), archs.end(), arch) == archs.end()) archs.push_back(arch);
    }
    if (archs.empty()) archs.push_back(&host_arch());
    return archs;
}

}  // namespace xbuild
