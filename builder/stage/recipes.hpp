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

}  // namespace xbuild::stage
