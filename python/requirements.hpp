#pragma once
// [build-system] requires → Debian packages of the toolchain stage. PyPI is not used: the
// suite's packages provide the build tools (recipes/python.toml [requirements], extended by
// the project's [tool.xbuild.requirement-packages]).
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::python {

struct Requirement {
    std::string name;       // normalized: "setuptools-scm"
    std::string specifier;  // version specifiers, without parentheses: ">=61, <80" (or empty)
    std::string marker;     // after ';', trimmed
};

// PEP 508: name, optional [extras], version specifiers, optional "; marker".
// Throws Error for a string without a valid name.
Requirement parse_requirement(std::string_view text);

struct MarkerEnvironment {
    std::string python_version;    // "3.13"
    std::string platform_machine;  // "aarch64" (the target's)
};
// Evaluates the common marker forms: comparisons of python_version, python_full_version,
// platform_machine, sys_platform, os_name, platform_system, implementation_name and
// platform_python_implementation, joined by "and"/"or", with parentheses.
// Throws Error for anything else.
bool evaluate_marker(std::string_view marker, const MarkerEnvironment& env);
// The requirements of requires_list whose markers hold in env, as written.
std::vector<std::string> applicable_requirements(const std::vector<std::string>& requires_list,
                                                 const MarkerEnvironment& env);

// Debian packages for the requirements that apply to env. "{target}" in a mapping is the
// target's Debian arch. An unmapped requirement is an Error naming pyproject, what the list is
// ("build requirement", "test requirement") and the config key.
std::vector<std::string> debian_packages_for(
    const std::vector<std::string>& requires_list, const MarkerEnvironment& env,
    std::string_view target_debian_arch, const std::map<std::string, std::vector<std::string>>& project_map,
    const std::string& pyproject, std::string_view what = "build requirement");

// Pins the suite cannot honour: for each requirement that applies to env and has version
// specifiers, the version of its first mapped Debian package (installed: package name → Debian
// version, as dpkg reports it) must satisfy them. Throws one Error naming pyproject, the
// requirement, the suite's version and what to change; a package missing from installed is not
// judged.
void check_requirement_pins(const std::vector<std::string>& requires_list, const MarkerEnvironment& env,
                            const std::map<std::string, std::vector<std::string>>& project_map,
                            const std::map<std::string, std::string>& installed, const std::string& suite,
                            const std::string& pyproject);

// The upstream part of a Debian version: "1:52.0.0-4+deb11u1" → "52.0.0".
std::string debian_upstream_version(std::string_view version);

// Whether a Python of version ("3.13.5") satisfies requires_python (PEP 440 specifiers joined by
// commas: ">=3.9, !=3.11.*"). Throws Error naming where for a malformed specifier.
bool python_allows(std::string_view requires_python, const std::string& version, const std::string& where);

}  // namespace xbuild::python
