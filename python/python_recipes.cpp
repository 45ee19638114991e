#include "python/python_recipes.hpp"

#include <algorithm>

#include "builder/core/error.hpp"
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

std::optional<Backports> backports_for(std::string_view python) {
    const auto& recipes = stage::RecipeFile::get("python.toml");
    const auto pythons = recipes.strings("backports", "pythons");
    if (std::find(pythons.begin(), pythons.end(), python) == pythons.end()) return std::nullopt;
    auto suite = recipes.root()["backports"]["suite"].value<std::string>();
    if (!suite) fail("{}: [backports] suite must be a string", recipes.path().string());
    Backports backports{
        *suite, recipes.strings("backports", "packages"), recipes.strings("backports", "companions"), {}};
    if (const auto* files = recipes.root()["backports"]["files"].as_table()) {
        for (const auto& [path, content] : *files) {
            auto text = content.value<std::string>();
            if (!text)
                fail("{}: [backports.files] \"{}\" must be a string", recipes.path().string(), path.str());
            backports.files.emplace_back(expand_placeholders(std::string(path.str()), python, ""), *text);
        }
    }
    return backports;
}

}  // namespace xbuild::python
