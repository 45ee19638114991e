#include "builder/core/env_override.hpp"

#include <cctype>
#include <cstdlib>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::env_override {

std::optional<std::string> value(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

std::optional<std::vector<std::string>> list(const char* name) {
    auto set = value(name);
    if (!set) return std::nullopt;
    return text::split_list(*set);
}

std::optional<std::vector<std::string>> assignments(const char* name) {
    auto items = list(name);
    if (!items) return std::nullopt;
    for (const std::string& item : *items) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            fail("{}: '{}' is not KEY=VALUE", name, text::printable(item));
    }
    return items;
}

bool is_variable_name(std::string_view name) {
    bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
    for (char c : name) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    return valid;
}

void check_variable_name(std::string_view name, const std::string& where) {
    if (!is_variable_name(name))
        fail("{}: '{}' is not an environment variable name", where, text::printable(std::string(name)));
}

}  // namespace xbuild::env_override
