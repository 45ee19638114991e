#include "python/targets.hpp"

#include <algorithm>
#include <regex>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/stage.hpp"
#include "python/cibw_config.hpp"
#include "python/python_recipes.hpp"
#include "python/requirements.hpp"

namespace xbuild::python {

std::string WheelTarget::cp_tag() const {
    std::string tag = "cp";
    for (char c : python)
        if (c != '.') tag += c;
    return tag;
}

std::string WheelTarget::build_id() const {
    return cp_tag() + "-manylinux_" + std::string(arch->uname);
}

std::string suite_for_python(std::string_view python) {
    const auto& root = python_recipes();
    const toml::table* suites = root["suites"].as_table();
    std::vector<std::string> known;
    if (suites) {
        for (const auto& [version, suite] : *suites) {
            if (version.str() == python) return suite.value_or(std::string());
            known.emplace_back(version.str());
        }
    }
    std::sort(known.begin(), known.end(), [](const std::string& a, const std::string& b) {
        return toolchain::compare_glibc(a, b) < 0;  // dotted numbers: 3.9 before 3.11
    });
    fail("unsupported Python '{}' (known: {}; each comes from the Debian suite that ships it)", python,
         fmt::join(known, ", "));
}

std::string python_for_suite(std::string_view suite) {
    const auto& root = python_recipes();
    if (const toml::table* suites = root["suites"].as_table()) {
        for (const auto& [version, name] : *suites) {
            if (name.value_or(std::string()) == suite) return std::string(version.str());
        }
    }
    fail("recipes/python.toml: no Python for the suite {}", suite);
}

std::string default_python() {
    return python_for_suite(stage::k_default_suite);
}

std::vector<std::string> default_pythons(const WheelConfig& config) {
    std::vector<std::string> pythons;
    const auto& root = python_recipes();
    if (const toml::table* suites = root["suites"].as_table()) {
        for (const auto& [version, suite] : *suites) {
            const std::string python(version.str());
            const std::string full = root["versions"][python].value_or(python);
            if (config.requires_python.empty() ||
                python_allows(config.requires_python, full, config.requires_python_where))
                pythons.push_back(python);
        }
    }
    std::sort(pythons.begin(), pythons.end(), [](const std::string& a, const std::string& b) {
        return toolchain::compare_glibc(a, b) < 0;  // dotted numbers: 3.9 before 3.11
    });
    if (pythons.empty())
        fail("{}: '{}' allows none of the Pythons Debian serves ({})", config.requires_python_where,
             config.requires_python, [&] {
                 std::string known;
                 if (const toml::table* versions = root["versions"].as_table())
                     for (const auto& [version, full] : *versions)
                         known += (known.empty() ? "" : ", ") + full.value_or(std::string(version.str()));
                 return known;
             }());
    return pythons;
}

bool matches_selector(std::string_view build_id, std::string_view selector) {
    return cibw::selector_matches(selector, build_id);
}

bool selected(const WheelConfig& config, std::string_view build_id) {
    auto any = [&](const std::vector<std::string>& selectors) {
        return std::any_of(selectors.begin(), selectors.end(),
                           [&](const std::string& selector) { return matches_selector(build_id, selector); });
    };
    return (config.build.empty() || any(config.build)) && !any(config.skip);
}

std::vector<WheelTarget> plan_targets(const WheelConfig& config, bool emulate) {
    const std::vector<const Arch*> archs = archs_from_names(config.archs);
    std::vector<std::string> pythons;
    for (const std::string& python : config.pythons)
        if (std::find(pythons.begin(), pythons.end(), python) == pythons.end()) pythons.push_back(python);
    if (pythons.empty()) pythons = default_pythons(config);
    const toolchain::Floor& floor = config.manylinux.empty()
                                        ? toolchain::default_floor()
                                        : toolchain::find_floor(config.manylinux, "manylinux");
    std::vector<WheelTarget> targets;
    for (const std::string& python : pythons) {
        std::string suite = suite_for_python(python);
        for (const Arch* arch : archs) {
            WheelTarget target{arch, python, suite, emulate && arch != &host_arch(), &floor};
            if (selected(config, target.build_id())) targets.push_back(target);
        }
    }
    if (targets.empty())
        fail("nothing to build: no build id is selected (build = {}, skip = {})",
             config.build.empty() ? "*" : fmt::format("{}", fmt::join(config.build, " ")),
             fmt::join(config.skip, " "));
    return targets;
}

WheelTarget only_target(const WheelConfig& config, std::string_view id, bool emulate) {
    static const std::regex pattern(R"(cp3([0-9]+)-manylinux_([a-z0-9_]+))");
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_match(id.begin(), id.end(), match, pattern))
        fail("--only {}: not a build id xbuild makes (CPython manylinux: cp313-manylinux_x86_64)",
             text::printable(std::string(id)));
    const std::string python = "3." + match[1].str(), machine = match[2].str();
    const Arch* arch = nullptr;
    for (const Arch& known : all_archs())
        if (known.uname == machine) arch = &known;
    if (!arch) fail("--only {}: unknown machine '{}'", id, machine);
    const auto allowed = default_pythons(config);
    if (std::find(allowed.begin(), allowed.end(), python) == allowed.end()) {
        suite_for_python(python);  // a Python Debian does not serve: that error, naming the known ones
        fail("--only {}: {} '{}' does not allow Python {}", id, config.requires_python_where,
             config.requires_python, python);
    }
    const toolchain::Floor& floor = config.manylinux.empty()
                                        ? toolchain::default_floor()
                                        : toolchain::find_floor(config.manylinux, "manylinux");
    return {arch, python, suite_for_python(python), emulate && arch != &host_arch(), &floor};
}

}  // namespace xbuild::python
