#pragma once
// The plan of `xbuild wheels`: one target per (arch × Python), each with its build id.
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/toolchain/floor.hpp"
#include "python/project.hpp"

namespace xbuild::python {

struct WheelTarget {
    const Arch* arch;
    std::string python;                       // "3.13"
    std::string suite;                        // "trixie": the suite that ships that Python
    bool emulate;                             // toolchain stage in a target-arch rootfs under qemu
    const toolchain::Floor* floor = nullptr;  // the glibc floor its sysroot gives
    std::string cp_tag() const;               // "cp313"
    std::string build_id() const;             // "cp313-manylinux_aarch64" (cibuildwheel's identifiers)
};

// X.Y → the Debian suite that ships it (recipes/python.toml [suites]); Error for others.
std::string suite_for_python(std::string_view python);
// The Python a suite ships ("3.13" for trixie); Error for a suite recipes/python.toml does not map.
std::string python_for_suite(std::string_view suite);
// The Python of the default suite.
std::string default_python();
// Every Python of recipes/python.toml [suites] that the project's requires-python allows (all of
// them without one), oldest first; Error when it allows none.
std::vector<std::string> default_pythons(const WheelConfig& config);
// cibuildwheel's selectors: fnmatch patterns separated by spaces, with {a,b} alternatives.
bool matches_selector(std::string_view build_id, std::string_view selector);
// Whether config's build selectors (none: every id) take build_id and no skip selector drops it.
bool selected(const WheelConfig& config, std::string_view build_id);
// archs × pythons from the config (host arch / default Python when empty), minus skip.
// Errors name unknown archs and Pythons.
std::vector<WheelTarget> plan_targets(const WheelConfig& config, bool emulate);
// cibuildwheel's --only: the one target whose build id is `id` ("cp313-manylinux_aarch64"), whatever the
// config's archs, pythons and skip say; its Python must be one requires-python allows. Errors name
// the id and what is wrong with it (not a CPython manylinux id, an unknown Python or machine).
WheelTarget only_target(const WheelConfig& config, std::string_view id, bool emulate);

}  // namespace xbuild::python
