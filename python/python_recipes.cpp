#include "python/python_recipes.hpp"

#include "builder/core/error.hpp"
#include "builder/stage/recipes.hpp"

namespace xbuild::python {

const toml::table& python_recipes() {
    static const toml::table root = [] {
        auto file = stage::recipes_dir() / "python.toml";
        try {
            return toml::parse_file(file.string());
        } catch (const toml::parse_error& error) {
            fail("{}:{}: {}", file.string(), error.source().begin.line, error.description());
        }
    }();
    return root;
}

std::string expand_placeholders(std::string text, std::string_view python,
                                std::string_view target_debian_arch) {
    for (auto pos = text.find("{python}"); pos != std::string::npos; pos = text.find("{python}"))
        text.replace(pos, 8, python);
    for (auto pos = text.find("{target}"); pos != std::string::npos; pos = text.find("{target}"))
        text.replace(pos, 8, target_debian_arch);
    return text;
}

std::vector<std::string> recipe_strings(std::string_view section, std::string_view key,
                                        std::string_view python, std::string_view target_debian_arch) {
    std::vector<std::string> out;
    const toml::table* table = python_recipes()[section].as_table();
    const toml::array* array = table ? table->get_as<toml::array>(key) : nullptr;
    if (array == nullptr) return out;
    for (const toml::node& item : *array) {
        auto value = item.value<std::string>();
        if (!value) fail("recipes/python.toml: [{}] {} must be an array of strings", section, key);
        out.push_back(expand_placeholders(*value, python, target_debian_arch));
    }
    return out;
}

}  // namespace xbuild::python
