#include "builder/stage/recipes.hpp"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::stage {

namespace {

std::mutex recipes_exe_mutex;
std::filesystem::path recipes_exe;
std::filesystem::path recipes_set_dir;

}  // namespace

void set_recipes_exe(const std::filesystem::path& exe) {
    std::lock_guard lock(recipes_exe_mutex);
    recipes_exe = exe;
}

void set_recipes_dir(const std::filesystem::path& dir) {
    std::lock_guard lock(recipes_exe_mutex);
    recipes_set_dir = dir;
}

std::filesystem::path recipes_dir() {
    if (const char* env = std::getenv("XBUILD_RECIPES"); env && *env) return env;
    std::error_code error;
    std::filesystem::path exe;
    {
        std::lock_guard lock(recipes_exe_mutex);
        if (!recipes_set_dir.empty()) return recipes_set_dir;
        exe = recipes_exe;
    }
    if (exe.empty()) exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        auto installed = exe.parent_path().parent_path() / "share" / "xbuild" / "recipes";
        if (std::filesystem::exists(installed / "stages.toml")) return installed;
    }
    return XBUILD_SOURCE_RECIPES;
}

RecipeFile::RecipeFile(std::filesystem::path path) : m_path(std::move(path)) {
    try {
        m_root = toml::parse_file(m_path.string());
    } catch (const toml::parse_error& error) {
        fail("{}:{}: {}", m_path.string(), error.source().begin.line, error.description());
    }
}

const RecipeFile& RecipeFile::get(std::string_view name) {
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<RecipeFile>, std::less<>> files;
    const std::string path = (recipes_dir() / name).string();  // XBUILD_RECIPES may change (tests)
    std::lock_guard lock(mutex);
    auto found = files.find(path);
    if (found == files.end())
        found = files.emplace(path, std::unique_ptr<RecipeFile>(new RecipeFile(path))).first;
    return *found->second;
}

std::string RecipeFile::expand(std::string text, const Placeholders& placeholders) {
    for (const auto& [name, value] : placeholders) {
        const std::string marker = "{" + name + "}";
        for (auto pos = text.find(marker); pos != std::string::npos;
             pos = text.find(marker, pos + value.size()))
            text.replace(pos, marker.size(), value);
    }
    return text;
}

std::vector<std::string> RecipeFile::strings(std::string_view section, std::string_view key,
                                             const Placeholders& placeholders) const {
    std::vector<std::string> out;
    const toml::table* table = m_root.at_path(section).as_table();  // "base.python3": a dotted path
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node == nullptr) return out;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail("{}: [{}] {} must be an array of strings", m_path.string(), section, key);
    for (const toml::node& item : *array) {
        auto value = item.value<std::string>();
        if (!value) fail("{}: [{}] {} must be an array of strings", m_path.string(), section, key);
        out.push_back(expand(*value, placeholders));
    }
    return out;
}

BaseRecipe base_recipe(StageKind kind, const Arch& arch, const Arch* target) {
    const Arch& effective_target = target ? *target : arch;
    const RecipeFile& file = RecipeFile::get("stages.toml");
    const std::string section(kind_name(kind));
    if (file.root()[section].as_table() == nullptr)
        fail("{}: missing [{}] section", file.path().string(), section);
    BaseRecipe recipe;
    recipe.variant = file.root()[section]["variant"].value_or(std::string());
    if (recipe.variant.empty()) fail("{}: [{}] needs a 'variant'", file.path().string(), section);
    const RecipeFile::Placeholders placeholders{{"target", std::string(effective_target.debian)}};
    recipe.packages = file.strings(section, "packages", placeholders);
    if (&effective_target != &arch) {
        auto cross = file.strings(section, "cross-packages", placeholders);
        recipe.packages.insert(recipe.packages.end(), cross.begin(), cross.end());
    }
    if (&arch == &host_arch()) {
        auto host = file.strings(section, "host-packages", placeholders);
        recipe.packages.insert(recipe.packages.end(), host.begin(), host.end());
    }
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

std::vector<std::string> toml_string_list(const toml::node& node, const std::string& where) {
    if (auto text = node.value<std::string>()) return text::split_list(*text);
    const toml::array* array = node.as_array();
    if (array == nullptr) fail("{}: must be a string or an array of strings", where);
    std::vector<std::string> items;
    for (const toml::node& item : *array) {
        auto value = item.value<std::string>();
        if (!value) fail("{}: must be an array of strings", where);
        items.push_back(*value);
    }
    return items;
}

std::vector<std::string> toml_relative_paths(const toml::node& node, const std::string& where) {
    std::vector<std::string> paths = toml_string_list(node, where);
    for (const std::string& path : paths) {
        const std::filesystem::path p(path);
        bool up = false;
        for (const auto& part : p) up = up || part == "..";
        if (path.empty() || p.is_absolute() || up)
            fail("{}: '{}' is not a path inside the project (relative, without '..')", where,
                 text::printable(path));
    }
    return paths;
}

std::string toml_string(const toml::node& node, const std::string& where) {
    auto value = node.value<std::string>();
    if (!value) fail("{}: must be a string", where);
    return *value;
}

bool toml_bool(const toml::node& node, const std::string& where) {
    const auto* value = node.as_boolean();
    if (!value) fail("{}: must be true or false", where);
    return value->get();
}

}  // namespace xbuild::stage
