#pragma once
// `xbuild inspect`: what a wheel or ELF file needs and which tag it can carry (like
// `auditwheel show`): per ELF file its arch, DT_NEEDED libraries (system / in the wheel /
// external), the oldest manylinux policy it meets and the versioned symbols that set that floor.
#include <filesystem>
#include <string>

namespace xbuild::python {

struct InspectOutput {
    std::string text;  // human-readable report
    std::string json;  // the same as JSON
};

// Throws Error naming the file when it is neither a wheel nor an ELF file, or is malformed.
InspectOutput inspect_file(const std::filesystem::path& file);

}  // namespace xbuild::python
