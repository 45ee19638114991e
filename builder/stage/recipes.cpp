#include "builder/stage/recipes.hpp"

#include <unistd.h>

#include <cstdlib>

#include <toml++/toml.h>

#include "builder/core/error.hpp"

namespace xbuild::stage {

std::filesystem::path recipes_dir() {
    if (const char* env = std::getenv("XBUILD_RECIPES"); env && *env) return env;
    std::error_code error;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        auto installed = exe.parent_path().parent_path() / "share" / "xbuild" / "recipes";
        if (std::filesystem::exists(installed / "stages.toml")) return installed;
    }
    return XBUILD_SOURCE_RECIPES;
}

namespace {

std::string expand(std::string text, const Arch& target) {
    for (auto pos = text.find("{target}"); pos != std::string::npos; pos = text.find("{target}"))
        text.replace(pos, 8, target.debian);
    return text;
}

void append_strings(const toml::table& table, std::string_view key, const Arch& target,
                    const std::filesystem::path& file, std::vector<std::string>& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail("{}: '{}' must be an array of strings", file.string(), key);
    for (const toml::node& item : *array) {
        auto value = item.value<std::string>();
        if (!value) fail("{}: '{}' must be an array of strings", file.string(), key);
        out.push_back(expand(*value, target));
    }
}

}  // namespace

BaseRecipe base_recipe(StageKind kind, const Arch& arch, const Arch* target) {
    const Arch& effective_target = target ? *target : arch;
    auto file = recipes_dir() / "stages.toml";
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        fail("{}:{}: {}", file.string(), error.source().begin.line, error.description());
    }
    const toml::table* section = root[kind_name(kind)].as_table();
    if (section == nullptr) fail("{}: missing [{}] section", file.string(), kind_name(kind));
    BaseRecipe recipe;
    recipe.variant = section->get("variant") ? section->get("variant")->value_or(std::string()) : "";
    if (recipe.variant.empty()) fail("{}: [{}] needs a 'variant'", file.string(), kind_name(kind));
    append_strings(*section, "packages", effective_target, file, recipe.packages);
    if (&effective_target != &arch)
        append_strings(*section, "cross-packages", effective_target, file, recipe.packages);
    return recipe;
}

std::string set_stage_packages(StageSpec& spec, const std::vector<std::string>& extra) {
    BaseRecipe recipe = base_recipe(spec.kind, *spec.arch, spec.target);
    spec.packages = std::move(recipe.packages);
    for (const std::string& package : extra) {
        check_package_name(package);
        spec.packages.push_back(package);
    }
    spec.normalize();
    return recipe.variant;
}

}  // namespace xbuild::stage
