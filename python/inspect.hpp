#pragma once
// `xbuild inspect`: what a wheel or ELF file needs and which tag it can carry (like
// `auditwheel show`): per ELF file its arch, DT_NEEDED libraries (system / in the wheel /
// external), the oldest manylinux policy it meets and the versioned symbols that set that floor.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "builder/core/arch.hpp"
#include "builder/elf/resolver.hpp"

namespace xbuild::python {

struct InspectOutput {
    std::string text;  // human-readable report
    std::string json;  // the same as JSON
};

// Gives a resolver for the file's arch, to show where each needed library resolves
// (`--resolve`: a stage of that arch); may be empty.
using ResolverFactory = std::function<std::optional<elf::LibraryResolver>(const Arch& arch)>;

// Throws Error naming the file when it is neither a wheel nor an ELF file, or is malformed. A wheel is
// read as Wheel::read reads it (RECORD checked), extracted into a temporary directory inside work_dir
// (empty: the system's), removed before this returns.
InspectOutput inspect_file(const std::filesystem::path& file, const ResolverFactory& resolver_for = {},
                           const std::filesystem::path& work_dir = {});

}  // namespace xbuild::python
