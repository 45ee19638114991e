#pragma once
// A stage is the rootfs one step of the flow runs in: (suite, rootfs arch, target arch,
// kind, packages, mirror). Its key is a digest of all of these, so any change of input
// gives a new cache entry and an unchanged input reuses the old one.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/arch.hpp"

namespace xbuild::stage {

enum class StageKind { toolchain, runtime };

std::string_view kind_name(StageKind kind);
StageKind kind_from_name(std::string_view name);  // throws Error

// bullseye, bookworm, trixie, sid
const std::vector<std::string>& known_suites();
// Throws Error naming the known suites.
void check_suite(std::string_view suite);
inline constexpr std::string_view k_default_suite = "trixie";
// A Debian package name, optionally with ":arch"; throws Error for anything else (these
// names reach apt command lines).
void check_package_name(std::string_view name);
// check_package_name for each of names, the error prefixed with where ("package.json:
// xbuild.build-packages"): a project's package lists are checked when it is loaded.
void check_package_names(const std::vector<std::string>& names, const std::string& where);
// An XBUILD_* override naming Debian packages (XBUILD_BUILD_PACKAGES): the list when the variable is
// set, each name checked, the error naming the variable.
std::optional<std::vector<std::string>> package_list_override(const char* variable);

// The overrides every front end's config has, read from XBUILD_ARCHS, XBUILD_BUILD_PACKAGES,
// XBUILD_TEST_COMMAND and XBUILD_ENVIRONMENT into the fields of the config that are set.
struct CommonOverrides {
    std::vector<std::string>& archs;
    std::vector<std::string>& build_packages;
    std::string& test_command;
    std::vector<std::string>& environment;
};
void apply_common_overrides(const CommonOverrides& config);

struct StageSpec {
    std::string suite = std::string(k_default_suite);
    const Arch* arch = nullptr;    // the rootfs arch: what its binaries are
    const Arch* target = nullptr;  // toolchain only: the extra multiarch architecture (may equal arch)
    StageKind kind = StageKind::runtime;
    std::vector<std::string> packages;  // full list, base packages included
    std::string mirror;

    // Sorted, de-duplicated packages.
    void normalize();
    // Hex digest naming the cache entry (first 24 hex digits of SHA-256 of the canonical text).
    std::string key() const;
    // "trixie/arm64 runtime" or "trixie/amd64→arm64 toolchain"
    std::string describe() const;
    bool cross() const { return target != nullptr && target != arch; }
};

}  // namespace xbuild::stage
