#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/toolchain/floor.hpp"
#include "node/build.hpp"
#include "node/npm.hpp"

using namespace xbuild;
using namespace xbuild::node;

namespace {
bool has(const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
}
}  // namespace

TEST_SUITE("node build") {
    TEST_CASE(
        "every build gets the sysroot compilers and node-gyp's LINK; cross ones the target's binutils") {
        const Arch& foreign =
            &host_arch() == &arch_from_name("arm64") ? arch_from_name("x64") : arch_from_name("arm64");
        const auto& floor = toolchain::default_floor();
        NodeTarget cross{&foreign, false, false, &floor};
        auto env = node_build_environment(cross);
        const std::string triplet(foreign.gnu_triplet);
        CHECK(has(env, "CC=/xbuild/bin/cc"));
        CHECK(has(env, "CXX=/xbuild/bin/c++"));
        CHECK(has(env, "LINK=/xbuild/bin/c++"));
        CHECK(has(env, "AR=" + triplet + "-ar"));
        CHECK(has(env, "CMAKE_TOOLCHAIN_FILE=/xbuild/toolchain.cmake"));
        CHECK(node_toolchain_setup(cross).cross);
        auto native = node_build_environment({&host_arch(), false, false, &floor});
        CHECK(has(native, "CC=/xbuild/bin/cc"));
        CHECK(has(native, "AR=ar"));
        CHECK_FALSE(node_toolchain_setup({&host_arch(), false, false, &floor}).cross);
        auto emulated = node_toolchain_setup({&foreign, true, false, &floor});
        CHECK(emulated.emulated);
        CHECK_FALSE(emulated.cross);
    }

    TEST_CASE("npm runs quietly with the system CA bundle and the host's registry setting") {
        ::unsetenv("NPM_CONFIG_REGISTRY");
        ::unsetenv("npm_config_registry");
        auto env = npm_environment();
        CHECK(has(env, "HOME=/tmp"));
        CHECK(has(env, "npm_config_audit=false"));
        CHECK(has(env, "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"));
        CHECK(std::none_of(env.begin(), env.end(),
                           [](const std::string& e) { return e.starts_with("NPM_CONFIG_REGISTRY"); }));
        ::setenv("NPM_CONFIG_REGISTRY", "http://127.0.0.1:4873/", 1);
        CHECK(has(npm_environment(), "NPM_CONFIG_REGISTRY=http://127.0.0.1:4873/"));
        ::unsetenv("NPM_CONFIG_REGISTRY");
    }
}
