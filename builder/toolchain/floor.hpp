#pragma once
// glibc floors: what a build's artifacts need at most from the system they run on. A floor is the C
// and C++ runtime of one Debian suite, taken as a sysroot of the target arch (builder/toolchain/
// sysroot.hpp); recipes/stages.toml [floors] lists them.
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::toolchain {

struct Floor {
    std::string name;   // "2_31": the manylinux policy it gives, manylinux_2_31
    std::string glibc;  // "2.31"
    std::string suite;  // "bullseye": where its libc, libstdc++ and libgcc come from
    std::string gcc;    // "10": the GCC of that libstdc++/libgcc

    std::string manylinux() const { return "manylinux_" + name; }
};

// Every floor, oldest glibc first.
const std::vector<Floor>& floors();
const Floor& default_floor();
// By wheel spelling ("2_31", "manylinux_2_31") or glibc spelling ("2.31"). Throws Error
// "<where>: unknown floor '<value>' (floors: 2_31 (bullseye), ...)".
const Floor& find_floor(std::string_view value, std::string_view where);
// The floor of a suite's own C runtime, or nullptr when the suite is none of the floors.
const Floor* floor_of_suite(std::string_view suite);
// Numeric comparison of glibc versions "2.31" < "2.36".
int compare_glibc(std::string_view a, std::string_view b);

}  // namespace xbuild::toolchain
