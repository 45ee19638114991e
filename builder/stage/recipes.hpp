#pragma once
// Data from recipes/: the base package lists of each stage kind.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "builder/core/arch.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::stage {

// XBUILD_RECIPES, else the directory set_recipes_dir named, else <exe>/../share/xbuild/recipes, else
// the source tree's recipes/. <exe> is this process's executable, or the one set_recipes_exe named.
std::filesystem::path recipes_dir();
// For a process that is not the xbuild binary (the Python module in an interpreter): recipes are
// looked for beside the binary it enters sandboxes with, as that binary itself finds them.
void set_recipes_exe(const std::filesystem::path& exe);
// For a front end whose package keeps the recipes elsewhere (the Node package: share/xbuild/recipes
// beside prebuilds/<platform>/xbuild); empty: unset.
void set_recipes_dir(const std::filesystem::path& dir);

// One TOML file of recipes/ (stages.toml, python.toml, node.toml, image.toml), parsed once per
// process; errors name the file (and line, for syntax errors).
class RecipeFile {
  public:
    using Placeholders = std::map<std::string, std::string, std::less<>>;  // "target" → "arm64"

    static const RecipeFile& get(std::string_view name);

    const toml::table& root() const { return m_root; }
    const std::filesystem::path& path() const { return m_path; }
    // The strings of [section] key (section may be dotted: "base.python3"; empty when either is
    // absent) with each "{name}" of
    // placeholders replaced; Error when the key is not an array of strings.
    std::vector<std::string> strings(std::string_view section, std::string_view key,
                                     const Placeholders& placeholders = {}) const;
    // "{name}" → value for each placeholder in one string.
    static std::string expand(std::string text, const Placeholders& placeholders);

  private:
    explicit RecipeFile(std::filesystem::path path);
    std::filesystem::path m_path;
    toml::table m_root;
};

// Values of a user's TOML config (pyproject.toml [tool.xbuild], xbuild.toml [image]); each error names
// `where` ("<file>: [image] archs"). A list is a string ("x86_64,arm64", as cibuildwheel accepts) or an
// array of strings; a boolean must be a TOML boolean (toml++'s value<bool>() also takes integers).
std::vector<std::string> toml_string_list(const toml::node& node, const std::string& where);
// A list of paths inside a project: relative, without "..".
std::vector<std::string> toml_relative_paths(const toml::node& node, const std::string& where);
std::string toml_string(const toml::node& node, const std::string& where);
bool toml_bool(const toml::node& node, const std::string& where);

struct BaseRecipe {
    std::string variant;                // mmdebstrap --variant
    std::vector<std::string> packages;  // with {target} expanded
};

// Reads recipes/stages.toml for kind; cross packages are added when target != arch, host packages
// when arch is the host's (a stage that is not emulated).
BaseRecipe base_recipe(StageKind kind, const Arch& arch, const Arch* target);

// Fills spec.packages (kind, arch and target already set) with the kind's base packages plus
// extra (each checked with check_package_name), normalized; returns the mmdebstrap variant.
std::string set_stage_packages(StageSpec& spec, const std::vector<std::string>& extra);

}  // namespace xbuild::stage
