#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "builder/toolchain/floor.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "fake_sandbox.hpp"
#include "python/wheel_build.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

// The PEP 517 build of one cp313 arm64 target, through the fake sandbox.
struct Fixture : test::FakeStage {
    PythonProject project;
    WheelTarget target{&arch_from_name("arm64"), "3.13", "trixie", false, &toolchain::default_floor()};
    PreparedStage toolchain;

    Fixture() : FakeStage("xbuild-wheel-build-test-") {
        fs::make_dirs(dir.path() / "source");
        fs::write_file_atomic(dir.path() / "source/pyproject.toml", "[project]\nname = 'demo'\n");
        project.dir = dir.path() / "source";
        project.name = project.normalized_name = "demo";
        project.build_backend = "mesonpy";
        project.config.before_build = "echo before";
        project.config.environment = {"EXTRA=1"};
        toolchain.layers = {dir.path() / "layer"};
        toolchain.sysroot = dir.path() / "sysroot";
        toolchain.description = "trixie/amd64 toolchain";
    }
    stdfs::path build() {
        stage::StageContext context = this->context();
        return build_wheel(context,
                           {project, target, toolchain, dir.path() / "work", dir.path() / "build.log", 0});
    }
};

int write_wheels(const sandbox::SandboxSpec& spec, std::initializer_list<const char*> names) {
    for (const char* name : names) fs::write_file_atomic(test::bound_at(spec, "/out") / name, "PK");
    return 0;
}

}  // namespace

TEST_SUITE("wheel build") {
    TEST_CASE(
        "one cross build: the copy read-write, tools and sysroot read-only, meson's cross file, no network") {
        Fixture f;
        f.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) {
            return write_wheels(spec, {"demo-1.0-cp313-cp313-linux_aarch64.whl"});
        };
        const stdfs::path wheel = f.build();
        REQUIRE(f.sandbox.runs.size() == 1);
        const auto& run = f.sandbox.runs.front();
        CHECK(wheel.filename() == "demo-1.0-cp313-cp313-linux_aarch64.whl");
        CHECK(run.layers == f.toolchain.layers);
        CHECK_FALSE(run.network);
        CHECK(run.capabilities == sandbox::CapabilityProfile::build);
        CHECK(test::binds(run, "/src", false));
        CHECK(test::binds(run, "/out", false));
        CHECK(test::binds(run, std::string(toolchain::k_sysroot_dir), true));
        CHECK(test::binds(run, std::string(toolchain::k_tools_dir), true));
        CHECK(test::has_env(run, "XBUILD_BUILD_ID=cp313-manylinux_aarch64"));
        CHECK(test::has_env(run, "_PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__aarch64-linux-gnu"));
        CHECK(test::has_env(run, "PIP_NO_INDEX=1"));
        CHECK(test::has_env(run, "EXTRA=1"));
        REQUIRE(run.argv.size() == 3);
        const std::string& script = run.argv[2];
        CHECK(script.find("echo before\npython3.13 -m pip wheel") != std::string::npos);
        CHECK(script.find("--config-settings=setup-args=--cross-file=/xbuild/meson-cross.ini") !=
              std::string::npos);
    }

    TEST_CASE("a compile error, no wheel, two wheels or a symlink in /out: one error naming the build id") {
        Fixture failed;
        failed.sandbox.behaviour = [](const sandbox::SandboxSpec&) { return 1; };
        CHECK_THROWS_WITH_AS(failed.build(), "cp313-manylinux_aarch64: build failed (exit 1)", Error);
        CHECK(fs::read_file(failed.dir.path() / "build.log").find("# xbuild cp313-manylinux_aarch64 in") ==
              0);

        Fixture none;
        CHECK_THROWS_WITH_AS(none.build(), doctest::Contains("produced 0 wheels in /out (expected one)"),
                             Error);

        Fixture two;
        two.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) {
            return write_wheels(spec,
                                {"a-1-cp313-cp313-linux_aarch64.whl", "b-1-cp313-cp313-linux_aarch64.whl"});
        };
        CHECK_THROWS_WITH_AS(two.build(), doctest::Contains("produced 2 wheels"), Error);

        Fixture link;  // the build's output is untrusted: xbuild never reads a host file through it
        link.sandbox.behaviour = [](const sandbox::SandboxSpec& spec) {
            stdfs::create_symlink("/etc/shadow",
                                  test::bound_at(spec, "/out") / "x-1-cp313-cp313-linux_aarch64.whl");
            return 0;
        };
        CHECK_THROWS_WITH_AS(link.build(), doctest::Contains("is not a regular file"), Error);
    }
}
