#pragma once
// recipes/python.toml: Python's suites, stage packages and requirement mapping.
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace xbuild::python {

// Parsed once per process; Error names the file and line on a syntax error.
const toml::table& python_recipes();
// The strings of [section] key, with "{python}" and "{target}" replaced.
std::vector<std::string> recipe_strings(std::string_view section, std::string_view key,
                                        std::string_view python, std::string_view target_debian_arch);
// "{python}" / "{target}" replacement for one string.
std::string expand_placeholders(std::string text, std::string_view python,
                                std::string_view target_debian_arch);

}  // namespace xbuild::python
