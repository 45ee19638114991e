#include "python/python_recipes.hpp"

#include "builder/stage/recipes.hpp"

namespace xbuild::python {

const toml::table& python_recipes() {
    return stage::RecipeFile::get("python.toml").root();
}

std::string expand_placeholders(std::string text, std::string_view python,
                                std::string_view target_debian_arch) {
    return stage::RecipeFile::expand(
        std::move(text), {{"python", std::string(python)}, {"target", std::string(target_debian_arch)}});
}

std::vector<std::string> recipe_strings(std::string_view section, std::string_view key,
                                        std::string_view python, std::string_view target_debian_arch) {
    return stage::RecipeFile::get("python.toml")
        .strings(section, key,
                 {{"python", std::string(python)}, {"target", std::string(target_debian_arch)}});
}

}  // namespace xbuild::python
