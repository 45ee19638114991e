#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "builder/toolchain/floor.hpp"
#include "fake_sandbox.hpp"
#include "python/wheel_compat.hpp"
#include "python/wheel_test.hpp"

using namespace xbuild;
using namespace xbuild::python;

namespace {

bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

namespace stdfs = std::filesystem;

// The test of one cp313 wheel through the fake sandbox: native (pip in the runtime stage) or for a
// foreign arch (the host toolchain's pip installs it for the target first).
struct TestFixture : test::FakeStage {
    PythonProject project;
    WheelTarget target;
    PreparedStage runtime, host;

    explicit TestFixture(const Arch& arch)
        : FakeStage("xbuild-wheel-test-test-"),
          target{&arch, "3.13", "trixie", false, &toolchain::default_floor()} {
        project.dir = dir.path() / "project";
        project.name = project.normalized_name = "demo";
        fs::make_dirs(project.dir);
        fs::make_dirs(dir.path() / "work/final");
        fs::write_file_atomic(dir.path() / "work/final/demo-1.0-cp313-cp313-manylinux_2_17_aarch64.whl",
                              "PK");
        // A runtime stage entry with its package list (the glibc the host pip is told about).
        fs::make_dirs(dir.path() / "image/root");
        fs::write_file_atomic(dir.path() / "image/packages.tsv", "libc6\tarm64\t2.41-12\n");
        runtime.layers = {dir.path() / "image/root"};
        runtime.description = "trixie/arm64 runtime";
        runtime.extra_files = {"/usr/libexec/qemu-binfmt/aarch64-binfmt-P"};
        host.layers = {dir.path() / "host/root"};
        host.description = "trixie/amd64 toolchain";
    }
    void run(bool host_pip) {
        stage::StageContext context = this->context();
        TestRequest request{project,
                            target,
                            runtime,
                            dir.path() / "work/final/demo-1.0-cp313-cp313-manylinux_2_17_aarch64.whl",
                            "python3 -c 'import demo'",
                            dir.path() / "test.log",
                            host_pip ? &host : nullptr};
        test_wheel(context, request);
    }
};

}  // namespace

TEST_SUITE("python wheel test") {
    TEST_CASE("pip's platforms for a target: every manylinux glibc up to the target's, then linux_<arch>") {
        auto arm = pip_platforms(arch_from_name("arm64"), "2.41");
        CHECK(arm.front() == "manylinux_2_41_aarch64");
        CHECK(arm.back() == "linux_aarch64");
        CHECK(has(arm, "manylinux_2_17_aarch64"));
        CHECK(has(arm, "manylinux2014_aarch64"));
        CHECK_FALSE(has(arm, "manylinux_2_42_aarch64"));
        CHECK_FALSE(has(arm, "manylinux_2_16_aarch64"));  // aarch64 starts at glibc 2.17
        CHECK_FALSE(has(arm, "manylinux2010_aarch64"));
        auto x86 = pip_platforms(arch_from_name("x86_64"), "2.31");
        CHECK(x86.front() == "manylinux_2_31_x86_64");
        CHECK(has(x86, "manylinux_2_5_x86_64"));
        CHECK(has(x86, "manylinux1_x86_64"));
        CHECK(has(x86, "manylinux2010_x86_64"));
        CHECK_FALSE(has(x86, "manylinux_2_32_x86_64"));
    }

    TEST_CASE(
        "each of them runs on the target by xbuild's own reading of packaging.tags, the next glibc does "
        "not") {
        for (const char* arch : {"arm64", "amd64", "armhf", "ppc64el", "s390x"}) {
            const Arch& target = arch_from_name(arch);
            ImagePython image{"3.13", arch, "2.36"};
            for (const std::string& platform : pip_platforms(target, "2.36"))
                CHECK_MESSAGE(check_tag("cp313-cp313-" + platform, image).compatible, platform);
            CHECK_FALSE(
                check_tag("cp313-cp313-manylinux_2_37_" + std::string(target.uname), image).compatible);
        }
    }

    TEST_CASE(
        "a foreign arch: the host's pip installs for the target, then only the test runs in the runtime") {
        TestFixture f(arch_from_name("arm64"));
        f.run(true);
        REQUIRE(f.sandbox.runs.size() == 2);
        const auto& pip = f.sandbox.runs[0];
        CHECK(pip.layers == f.host.layers);
        CHECK(pip.capabilities == sandbox::CapabilityProfile::none);
        CHECK_FALSE(pip.network);
        CHECK(test::binds(pip, "/wheels", true));
        CHECK(test::binds(pip, "/xbuild/site", false));
        CHECK(pip.argv[2].find("--platform manylinux_2_41_aarch64") != std::string::npos);
        CHECK(pip.argv[2].find("--python-version 3.13 --abi cp313") != std::string::npos);
        const auto& run = f.sandbox.runs[1];
        CHECK(run.layers == f.runtime.layers);
        CHECK(run.extra_files == f.runtime.extra_files);  // qemu for the test command
        CHECK(run.capabilities == sandbox::CapabilityProfile::none);
        CHECK(test::binds(run, "/project", true));
        CHECK(test::bound_at(run, "/usr/local/lib/python3.13/dist-packages") ==
              test::bound_at(pip, "/xbuild/site"));
        CHECK(run.argv[2].find("pip") == std::string::npos);  // no pip under qemu
        CHECK(run.argv[2].find("python3 -c 'import demo'") != std::string::npos);
    }

    TEST_CASE(
        "pip refusing the wheel stops before the test; a failed test is one error naming the build id") {
        TestFixture refused(arch_from_name("arm64"));
        refused.sandbox.behaviour = [](const sandbox::SandboxSpec&) { return 1; };
        CHECK_THROWS_WITH_AS(refused.run(true),
                             doctest::Contains("cp313-manylinux_aarch64: pip refused or failed to install"),
                             Error);
        CHECK(refused.sandbox.runs.size() == 1);

        TestFixture failed(arch_from_name("arm64"));
        failed.sandbox.behaviour = [&failed](const sandbox::SandboxSpec&) {
            return failed.sandbox.runs.size() == 2 ? 3 : 0;  // pip succeeds, the test command fails
        };
        CHECK_THROWS_WITH_AS(failed.run(true), "cp313-manylinux_aarch64: test failed (exit 3)", Error);

        TestFixture native(arch_from_name("arm64"));  // --emulate: pip as users run it, in the runtime
        native.run(false);
        REQUIRE(native.sandbox.runs.size() == 1);
        CHECK(native.sandbox.runs[0].argv[2].find(
                  "python3.13 -m pip install --no-index --no-deps -q /wheels/") != std::string::npos);
        CHECK(test::binds(native.sandbox.runs[0], "/wheels", true));
    }
}
