#pragma once
// Data from recipes/: the base package lists of each stage kind.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::stage {

// XBUILD_RECIPES, else <exe>/../share/xbuild/recipes, else the source tree's recipes/.
std::filesystem::path recipes_dir();

struct BaseRecipe {
    std::string variant;                // mmdebstrap --variant
    std::vector<std::string> packages;  // with {target} expanded
};

// Reads recipes/stages.toml for kind; cross packages are added when target != arch.
BaseRecipe base_recipe(StageKind kind, const Arch& arch, const Arch* target);

// Fills spec.packages (kind, arch and target already set) with the kind's base packages plus
// extra (each checked with check_package_name), normalized; returns the mmdebstrap variant.
std::string set_stage_packages(StageSpec& spec, const std::vector<std::string>& extra);

}  // namespace xbuild::stage
