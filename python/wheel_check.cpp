#include "python/wheel_check.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/elf/elf_file.hpp"
#include "python/wheel_archive.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

namespace {

std::string arch_of_machine(std::uint16_t machine, int elf_class) {
    for (const Arch& arch : all_archs())
        if (arch.elf_machine == machine && arch.elf_class == elf_class) return std::string(arch.uname);
    return fmt::format("e_machine {}", machine);
}

bool identifier(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

std::vector<std::string> top_level_modules(const std::vector<std::string>& entry_paths) {
    std::vector<std::string> modules;
    for (const std::string& path : entry_paths) {
        auto slash = path.find('/');
        std::string first = path.substr(0, slash);
        if (first.ends_with(".dist-info") || first.ends_with(".data")) continue;
        std::string name;
        if (slash != std::string::npos) {
            if (path.substr(slash + 1) != "__init__.py" && !path.substr(slash + 1).starts_with("__init__."))
                continue;  // a package is importable when it has an __init__
            name = first;
        } else if (first.ends_with(".py") || first.ends_with(".so")) {
            name = first.substr(0, first.find('.'));
        }
        if (identifier(name) && std::find(modules.begin(), modules.end(), name) == modules.end())
            modules.push_back(name);
    }
    std::sort(modules.begin(), modules.end());
    return modules;
}

CheckedWheel check_wheel(const stdfs::path& wheel_path, const Arch& arch, const stdfs::path& work_dir) {
    const Wheel wheel = Wheel::read(wheel_path, {work_dir});
    const std::string label = wheel_path.filename().string();
    CheckedWheel checked;
    std::vector<std::string> paths;
    for (const WheelEntry& entry : wheel.entries()) {
        paths.push_back(entry.path);
        if (!elf::is_elf_file(entry.file)) continue;
        elf::ElfInfo info = elf::read_elf(entry.file, label + ": " + entry.path);
        if (info.machine != arch.elf_machine || info.elf_class != arch.elf_class)
            fail("{}: {} is a {} ELF file, but the wheel targets {} (a host-arch binary in a cross build?)",
                 label, entry.path, arch_of_machine(info.machine, info.elf_class), arch.uname);
        ++checked.elf_files;
    }
    checked.top_level_modules = top_level_modules(paths);
    return checked;
}

}  // namespace xbuild::python
