#pragma once
// recipes/python.toml: Python's suites, stage packages and requirement mapping.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

namespace xbuild::python {

// Parsed once per process; Error names the file and line on a syntax error.
const toml::table& python_recipes();
// The strings of [section] key, with "{python}" and "{target}" replaced.
std::vector<std::string> recipe_strings(std::string_view section, std::string_view key,
                                        std::string_view python, std::string_view target_debian_arch);
// [backports]: for a Python listed there, the suite and the packages taken from it.
struct Backports {
    std::string suite;
    std::vector<std::string> packages;
    std::vector<std::string> companions;                     // added whenever one of packages is taken
    std::vector<std::pair<std::string, std::string>> files;  // {path, content} written into the layer
};
std::optional<Backports> backports_for(std::string_view python);
// "{python}" / "{target}" replacement for one string.
std::string expand_placeholders(std::string text, std::string_view python,
                                std::string_view target_debian_arch);

}  // namespace xbuild::python
