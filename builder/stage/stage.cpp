#include "builder/stage/stage.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"

namespace xbuild::stage {

namespace {
// Bumped whenever the way a rootfs is made changes (mmdebstrap options, usrmerge, ...),
// so old cache entries are not mistaken for new ones.
constexpr int k_rootfs_format = 1;
}  // namespace

std::string_view kind_name(StageKind kind) {
    return kind == StageKind::toolchain ? "toolchain" : "runtime";
}

StageKind kind_from_name(std::string_view name) {
    if (name == "toolchain") return StageKind::toolchain;
    if (name == "runtime") return StageKind::runtime;
    fail("unknown stage kind '{}' (expected toolchain or runtime)", name);
}

const std::vector<std::string>& known_suites() {
    static const std::vector<std::string> suites{"bullseye", "bookworm", "trixie", "forky", "sid"};
    return suites;
}

void check_suite(std::string_view suite) {
    const auto& suites = known_suites();
    if (std::find(suites.begin(), suites.end(), suite) == suites.end())
        fail("unknown suite '{}' (known: {})", suite, fmt::join(suites, ", "));
}

void check_package_name(std::string_view name) {
    auto colon = name.find(':');
    std::string_view package = name.substr(0, colon);
    bool ok = package.size() >= 2 && std::isalnum(static_cast<unsigned char>(package[0]));
    for (char c : package)
        ok = ok && (std::islower(static_cast<unsigned char>(c)) ||
                    std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.');
    if (colon != std::string_view::npos) {
        std::string_view arch = name.substr(colon + 1);
        ok = ok && !arch.empty();
        for (char c : arch)
            ok = ok &&
                 (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)));
    }
    if (!ok)
        fail("invalid package name '{}' (expected a Debian package name, optionally with :arch)",
             text::printable(name));
}

std::optional<std::vector<std::string>> package_list_override(const char* variable) {
    auto names = env_override::list(variable);
    if (names) check_package_names(*names, variable);
    return names;
}

void apply_common_overrides(const CommonOverrides& config) {
    if (auto v = env_override::list("XBUILD_ARCHS")) config.archs = *v;
    if (auto v = package_list_override("XBUILD_BUILD_PACKAGES")) config.build_packages = *v;
    if (auto v = env_override::value("XBUILD_TEST_COMMAND")) config.test_command = *v;
    if (auto v = env_override::assignments("XBUILD_ENVIRONMENT")) config.environment = *v;
}

void check_package_names(const std::vector<std::string>& names, const std::string& where) {
    for (const std::string& name : names) {
        try {
            check_package_name(name);
        } catch (const Error& error) {
            fail("{}: {}", where, error.what());
        }
    }
}

void StageSpec::normalize() {
    std::sort(packages.begin(), packages.end());
    packages.erase(std::unique(packages.begin(), packages.end()), packages.end());
}

std::string StageSpec::key() const {
    StageSpec copy = *this;
    copy.normalize();
    std::string canonical = fmt::format(
        "xbuild-rootfs {}\nsuite {}\narch {}\ntarget {}\nkind {}\nmirror {}\n", k_rootfs_format, copy.suite,
        arch->debian, target ? target->debian : arch->debian, kind_name(kind), mirror);
    for (const std::string& package : copy.packages) canonical += "package " + package + "\n";
    return hash::sha256_hex(canonical).substr(0, 24);
}

std::string StageSpec::describe() const {
    if (cross()) return fmt::format("{}/{}→{} {}", suite, arch->debian, target->debian, kind_name(kind));
    return fmt::format("{}/{} {}", suite, arch->debian, kind_name(kind));
}

}  // namespace xbuild::stage
