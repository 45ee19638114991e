#pragma once
// Checks of a freshly built wheel: every ELF file is for the target's machine and class (a
// host-arch binary in an arm64 wheel is an error, never a mislabelled wheel). Tags are
// repair's business (python/repair.hpp).
#include <filesystem>
#include <string>
#include <vector>

#include "python/targets.hpp"

namespace xbuild::python {

struct CheckedWheel {
    std::vector<std::string> top_level_modules;  // importable names, for the default test
    int elf_files = 0;
};

// Throws Error naming the wheel and the offending file. The wheel is read as Wheel::read reads it,
// extracted into a temporary directory inside work_dir (empty: the system's), removed before this returns.
CheckedWheel check_wheel(const std::filesystem::path& wheel, const Arch& arch,
                         const std::filesystem::path& work_dir = {});

// Top-level importable names of a wheel's entries ("yaml", "_yaml", "markupsafe").
std::vector<std::string> top_level_modules(const std::vector<std::string>& entry_paths);

}  // namespace xbuild::python
