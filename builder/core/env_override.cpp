#include "builder/core/env_override.hpp"

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

}  // namespace xbuild::env_override
