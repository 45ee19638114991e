#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "builder/toolchain/floor.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "fake_sandbox.hpp"
#include "node/build.hpp"
#include "node/npm.hpp"
#include "node/prebuild_test.hpp"

using namespace xbuild;
using namespace xbuild::node;

namespace {
bool has(const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
}

namespace stdfs = std::filesystem;

// One build of a node-gyp project for arm64 (cross), through the fake sandbox.
struct BuildFixture : test::FakeStage {
    NodeProject project;
    NodeTarget target{&arch_from_name("arm64"), false, false, &toolchain::default_floor()};
    PreparedStage toolchain;

    BuildFixture() : FakeStage("xbuild-node-build-test-") {
        fs::make_dirs(dir.path() / "source");
        fs::write_file_atomic(dir.path() / "source/binding.gyp", "{}");
        project.dir = dir.path() / "source";
        project.name = "addon";
        project.config.environment = {"EXTRA=1"};
        project.config.napi_version = 8;
        toolchain.layers = {dir.path() / "layer", dir.path() / "base"};
        toolchain.sysroot = dir.path() / "sysroot";
        toolchain.description = "trixie/amd64 toolchain";
        toolchain.extra_files = {"/usr/libexec/qemu-binfmt/aarch64-binfmt-P"};
    }
    BuiltAddon build() {
        stage::StageContext context = this->context();
        BuildRequest request{project,
                             target,
                             toolchain,
                             dir.path() / "tools",
                             project.dir,
                             dir.path() / "work",
                             dir.path() / "build.log",
                             315532800};
        return build_addon(context, request);
    }
};

// The sandboxed build's part: .node files in /src/build/Release and their listing in /out/addons.
int make_addons(const sandbox::SandboxSpec& spec, const std::vector<std::string>& files) {
    std::string listing;
    for (const std::string& file : files) {
        fs::make_dirs((test::bound_at(spec, "/src") / file).parent_path());
        fs::write_file_atomic(test::bound_at(spec, "/src") / file,
                              "\x7f"
                              "ELF");
        listing += file + "\n";
    }
    fs::write_file_atomic(test::bound_at(spec, "/out") / "addons", listing);
    return 0;
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

    TEST_CASE(
        "a build runs once in the toolchain stage: source copy read-write, tools and sysroot read-only") {
        BuildFixture f;
        f.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) {
            return make_addons(spec, {"build/Release/addon.node"});
        };
        BuiltAddon built = f.build();
        REQUIRE(f.sandbox.runs.size() == 1);
        const auto& run = f.sandbox.runs.front();
        CHECK(run.layers == f.toolchain.layers);
        CHECK(run.extra_files == f.toolchain.extra_files);
        CHECK(run.scratch_parent == f.cache.sandbox_dir());
        CHECK(run.capabilities == sandbox::CapabilityProfile::build);
        CHECK_FALSE(run.network);
        CHECK(test::binds(run, "/src", false));
        CHECK(test::binds(run, "/out", false));
        CHECK(test::binds(run, "/xbuild", true));
        CHECK(test::binds(run, "/xbuild/tools", true));
        CHECK(test::binds(run, std::string(toolchain::k_sysroot_dir), true));
        CHECK(test::bound_at(run, "/src") != f.project.dir);  // a copy: the build writes build/
        CHECK(test::has_env(run, "CXXFLAGS=-DNAPI_VERSION=8"));
        CHECK(test::has_env(run, "EXTRA=1"));
        CHECK(test::has_env(run, "CC=/xbuild/bin/cc"));
        REQUIRE(run.argv.size() == 3);
        CHECK(run.argv[2].find("node-gyp.js rebuild --arch=arm64 --nodedir=/usr") != std::string::npos);
        CHECK(built.file == test::bound_at(run, "/src") / "build/Release/addon.node");
        CHECK(fs::read_file(f.dir.path() / "build.log").find("# build arm64 in trixie/amd64 toolchain") !=
              std::string::npos);
    }

    TEST_CASE("a failed compile, no addon, two addons, or a symlink for one: each an error naming it") {
        BuildFixture f;
        f.sandbox.behaviour = [](const sandbox::SandboxSpec&) { return 2; };  // the compiler failed
        CHECK_THROWS_WITH_AS(f.build(), "arm64: build failed (exit 2)", Error);

        BuildFixture none;
        none.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) { return make_addons(spec, {}); };
        CHECK_THROWS_WITH_AS(none.build(), "arm64: the build made no .node file in build/Release", Error);

        BuildFixture two;
        two.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) {
            return make_addons(spec, {"build/Release/a.node", "build/Release/b.node"});
        };
        CHECK_THROWS_WITH_AS(two.build(), doctest::Contains("the build made 2 .node files"), Error);

        // The listing comes from untrusted build code: a symlink to a host file is not read.
        BuildFixture link;
        link.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) {
            fs::make_dirs(test::bound_at(spec, "/src") / "build/Release");
            stdfs::create_symlink("/etc/shadow", test::bound_at(spec, "/src") / "build/Release/x.node");
            fs::write_file_atomic(test::bound_at(spec, "/out") / "addons", "build/Release/x.node\n");
            return 0;
        };
        CHECK_THROWS_WITH_AS(link.build(), doctest::Contains("is not a regular file in build/Release"),
                             Error);
        BuildFixture escape;
        escape.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) {
            fs::write_file_atomic(test::bound_at(spec, "/out") / "addons", "build/Release/../../../x.node\n");
            return 0;
        };
        CHECK_THROWS_WITH_AS(escape.build(), doctest::Contains("is not a regular file in build/Release"),
                             Error);
    }

    TEST_CASE(
        "the test: the package with only this build's prebuild, node-gyp-build's checks, then the command") {
        BuildFixture f;
        const stdfs::path source = f.dir.path() / "fetched";
        fs::make_dirs(source / "build/Release");  // a stale local build must not be in the tested package
        fs::make_dirs(source / "prebuilds/linux-x64");
        fs::write_file_atomic(source / "package.json", "{}");
        fs::write_file_atomic(source / "prebuilds/linux-x64/old.node", "stale");
        const stdfs::path staged = f.dir.path() / "staged";
        fs::make_dirs(staged / "linux-arm64");
        fs::write_file_atomic(staged / "linux-arm64/addon.napi.glibc.node", "new");
        PreparedStage runtime;
        runtime.layers = {f.dir.path() / "runtime"};
        runtime.description = "bookworm/arm64 runtime";
        f.project.config.test_command = "node test.js";
        fs::make_dirs(f.dir.path() / "test-work");  // the caller's scratch directories
        fs::make_dirs(f.dir.path() / "test-work-2");
        stage::StageContext context{f.cache, f.sandbox.launcher(), "http://mirror.invalid/debian",
                                    f.reporter};
        TestRequest request{f.project,
                            arch_from_name("arm64"),
                            runtime,
                            f.dir.path() / "tools",
                            source,
                            staged,
                            "linux-arm64/addon.napi.glibc.node",
                            f.dir.path() / "test-work",
                            f.dir.path() / "test.log"};
        test_prebuild(context, request);
        REQUIRE(f.sandbox.runs.size() == 1);
        const auto& run = f.sandbox.runs.front();
        CHECK(run.layers == runtime.layers);
        CHECK(run.capabilities == sandbox::CapabilityProfile::none);
        CHECK(test::binds(run, "/pkg", true));
        CHECK(test::binds(run, "/xbuild/tools", true));
        const stdfs::path pkg = test::bound_at(run, "/pkg");
        CHECK_FALSE(stdfs::exists(pkg / "build"));
        CHECK_FALSE(stdfs::exists(pkg / "prebuilds/linux-x64/old.node"));
        CHECK(fs::read_file(pkg / "prebuilds/linux-arm64/addon.napi.glibc.node") == "new");
        const std::string& script = run.argv[2];
        CHECK(script.find("/pkg/prebuilds/linux-arm64/addon.napi.glibc.node") != std::string::npos);
        CHECK(script.find("LIBC=musl node -e") != std::string::npos);
        CHECK(script.ends_with("node test.js\n"));

        f.sandbox.behaviour = [](const sandbox::SandboxSpec&) { return 1; };
        TestRequest again = request;
        again.work = f.dir.path() / "test-work-2";
        CHECK_THROWS_WITH_AS(test_prebuild(context, again), "arm64: test failed (exit 1)", Error);
    }
}
