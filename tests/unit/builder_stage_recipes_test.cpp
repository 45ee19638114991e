#include <doctest/doctest.h>

#include <algorithm>

#include "builder/stage/recipes.hpp"

using namespace xbuild;
using namespace xbuild::stage;

namespace {
bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}
}  // namespace

TEST_SUITE("recipes") {
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
}
