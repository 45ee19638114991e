#pragma once
// XBUILD_* variables that override a project's configuration (XBUILD_ARCHS, XBUILD_ENVIRONMENT, ...):
// read the same way by every front end. A variable that is set, even to "", overrides.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::env_override {

// The value when name is set.
std::optional<std::string> value(const char* name);
// The value split on commas and whitespace ("a,b c" → {"a", "b", "c"}).
std::optional<std::vector<std::string>> list(const char* name);
// A list of KEY=VALUE items; an item without '=' (or with an empty KEY) is an Error naming name.
std::optional<std::vector<std::string>> assignments(const char* name);

// Whether name is a shell variable name (letters, digits and '_', not starting with a digit).
bool is_variable_name(std::string_view name);
// Throws Error "<where>: '<name>' is not an environment variable name" unless it is one.
void check_variable_name(std::string_view name, const std::string& where);

}  // namespace xbuild::env_override
