#include <doctest/doctest.h>

#include <algorithm>

#include <cstdlib>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/stage/recipes.hpp"

using namespace xbuild;
using namespace xbuild::stage;

namespace {
bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}
}  // namespace

TEST_SUITE("recipes") {
    TEST_CASE("a process that is not the binary finds the recipes installed beside the one it names") {
        const char* old = std::getenv("XBUILD_RECIPES");
        const std::string saved = old ? old : "";
        ::unsetenv("XBUILD_RECIPES");
        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-recipes-test-");
        fs::make_dirs(dir.path() / "bin");
        fs::make_dirs(dir.path() / "share/xbuild/recipes");
        fs::write_file_atomic(dir.path() / "share/xbuild/recipes/stages.toml", "");
        const auto before = recipes_dir();
        set_recipes_exe(dir.path() / "bin/xbuild");
        CHECK(recipes_dir() == dir.path() / "share/xbuild/recipes");
        set_recipes_exe(dir.path() / "other/bin/xbuild");  // nothing installed beside it: the default
        CHECK(recipes_dir() == before);
        set_recipes_exe({});
        if (old) ::setenv("XBUILD_RECIPES", saved.c_str(), 1);
    }

    TEST_CASE("a cross toolchain stage gets the target's cross compilers") {
        const Arch& amd64 = arch_from_name("amd64");
        const Arch& arm64 = arch_from_name("arm64");
        auto cross = base_recipe(StageKind::toolchain, amd64, &arm64);
        CHECK(cross.variant == "apt");
        CHECK(contains(cross.packages, "build-essential"));
        CHECK(contains(cross.packages, "crossbuild-essential-arm64"));
        auto native = base_recipe(StageKind::toolchain, amd64, &amd64);
        CHECK_FALSE(contains(native.packages, "crossbuild-essential-amd64"));
    }

    TEST_CASE("a runtime stage is extract-only without compilers") {
        auto runtime = base_recipe(StageKind::runtime, arch_from_name("arm64"), nullptr);
        CHECK(runtime.variant == "extract");
        CHECK_FALSE(contains(runtime.packages, "build-essential"));
    }

    TEST_CASE("a recipe file's string lists get their placeholders replaced; bad types are errors") {
        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-recipes-test-");
        fs::write_file_atomic(
            dir.path() / "demo.toml",
            "[stage]\npackages = [\"libpython{python}-dev:{target}\", \"{target}-{target}\"]\n"
            "bad = \"not a list\"\nmixed = [\"a\", 1]\n");
        const char* old = std::getenv("XBUILD_RECIPES");
        std::string saved = old ? old : "";
        ::setenv("XBUILD_RECIPES", dir.path().c_str(), 1);
        const RecipeFile& file = RecipeFile::get("demo.toml");
        CHECK(file.strings("stage", "packages", {{"python", "3.13"}, {"target", "arm64"}}) ==
              std::vector<std::string>{"libpython3.13-dev:arm64", "arm64-arm64"});
        CHECK(file.strings("stage", "missing").empty());
        CHECK(file.strings("nosection", "packages").empty());
        CHECK_THROWS_WITH_AS(file.strings("stage", "bad"), doctest::Contains("[stage] bad must be an array"),
                             xbuild::Error);
        CHECK_THROWS_AS(file.strings("stage", "mixed"), xbuild::Error);
        fs::write_file_atomic(dir.path() / "broken.toml", "[stage\n");
        CHECK_THROWS_WITH_AS(RecipeFile::get("broken.toml"), doctest::Contains("broken.toml:1"),
                             xbuild::Error);
        if (old)
            ::setenv("XBUILD_RECIPES", saved.c_str(), 1);
        else
            ::unsetenv("XBUILD_RECIPES");
    }
}
