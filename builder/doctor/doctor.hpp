#pragma once
// `xbuild doctor`: what this host has and lacks for building and testing each target arch.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"

namespace xbuild::doctor {

enum class Status { ok, missing, warning };
// "ok", "missing" or "warning".
std::string status_name(Status status);

struct Check {
    Status status;
    std::string what;    // "user namespaces", "binfmt qemu-aarch64 (F flag)"
    std::string detail;  // version, path, free space
    std::string fix;     // the command that fixes a missing piece
};

std::vector<Check> run_checks(const std::vector<const Arch*>& targets,
                              const std::filesystem::path& cache_dir);
// One line per check; returns false when something needed is missing.
bool print_report(const std::vector<Check>& checks);

}  // namespace xbuild::doctor
