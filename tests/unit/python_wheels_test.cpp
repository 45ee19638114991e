#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/fs.hpp"
#include "fake_sandbox.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheels.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

using xbuild::test::contains;

// Compiled once: libtiny.so.1 and an extension that needs it.
struct Binaries {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-wheels-bin-"};
    test::NeedingPair pair = test::compile_needing_pair(dir.path(), "libtiny.so.1");
};

const Binaries& binaries() {
    static const Binaries built;
    return built;
}

const std::string k_raw_wheel = "tinyext-1.0-cp313-cp313-linux_x86_64.whl";

// What the build's pip would leave in /out: the wheel of the extension.
void write_raw_wheel(const stdfs::path& file) {
    Wheel wheel;
    wheel.add_text("tinyext/__init__.py", "from ._ext import *\n", 0644);
    wheel.add_text("tinyext/_ext.cpython-313-x86_64-linux-gnu.so", binaries().pair.extension, 0755);
    wheel.add_text("tinyext-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tinyext\nVersion: 1.0\n",
                   0644);
    wheel.add_text(
        "tinyext-1.0.dist-info/WHEEL",
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp313-cp313-linux_x86_64\n", 0644);
    wheel.write(file, 315532800);
}

// `xbuild wheels` of a one-extension project for cp313 x86_64 (the host's arch), whole: the plan, the
// build, the check, the repair against the sysroot, the test, the result cache and the wheelhouse; the
// stages are directories made here and the sandbox is the fake.
struct Fixture : test::FakeStage {
    int build_exit = 0, test_exit = 0;
    bool sysroot_has_tiny = true;
    stdfs::path project = dir.path() / "project";
    stdfs::path wheelhouse = dir.path() / "wheelhouse";
    std::vector<std::string> kinds;  // "build" or "test", in the order the runs came

    Fixture() : FakeStage("xbuild-wheels-test-") {
        fs::make_dirs(project);
        fs::write_file_atomic(project / "pyproject.toml",
                              "[build-system]\nrequires = [\"setuptools\"]\n"
                              "build-backend = \"setuptools.build_meta\"\n"
                              "[project]\nname = \"tinyext\"\nversion = \"1.0\"\n"
                              "[tool.xbuild]\narchs = [\"x86_64\"]\npython = [\"3.13\"]\n"
                              "test-command = \"python3 -c 'import tinyext'\"\n");
        sandbox.behaviour = [this](const sandbox::SandboxSpec& spec) {
            const stdfs::path out = test::bound_at(spec, "/out");
            kinds.push_back(out.empty() ? "test" : "build");
            if (out.empty()) return test_exit;
            if (build_exit == 0) write_raw_wheel(out / k_raw_wheel);
            return build_exit;
        };
    }

    std::vector<WheelOutcome> run() {
        if (!stdfs::exists(dir.path() / "sysroot")) {
            test::make_stage_tree(dir.path() / "sysroot", "libtiny.so.1",
                                  sysroot_has_tiny ? binaries().pair.library : "");
            test::make_stage_tree(dir.path() / "toolchain/root");
            test::make_stage_tree(dir.path() / "runtime/root");
            fs::write_file_atomic(dir.path() / "runtime/packages.tsv", "libc6\tamd64\t2.41-12\n");
        }
        const stdfs::path root = dir.path();
        WheelsOptions options;
        options.source = project;
        options.output_dir = wheelhouse;
        options.stages.toolchain = [root](const StageContext&, const PythonProject&, const WheelTarget&,
                                          const Arch*) {
            PreparedStage stage;
            stage.layers = {root / "toolchain/root"};
            stage.key = "toolchain-key";
            stage.description = "trixie/amd64 toolchain";
            stage.sysroot = root / "sysroot";
            stage.sysroot_key = "sysroot-key";
            return stage;
        };
        options.stages.test = [root](const StageContext&, const PythonProject&, const WheelTarget&,
                                     const PreparedStage&) {
            PreparedStage stage;
            stage.layers = {root / "runtime/root"};
            stage.key = "runtime-key";
            stage.description = "trixie/amd64 runtime";
            return stage;
        };
        stage::StageContext context = this->context();
        return build_wheels(context, options);
    }

    // Nothing of a failed build id is left where a user or the next run would take it.
    void check_nothing_written() {
        CHECK(test::files_below(wheelhouse, ".whl").empty());
        CHECK(test::files_below(cache.dir() / "wheels", ".whl").empty());
        CHECK(test::files_below(cache.dir() / "work", ".whl").empty());
    }
};

}  // namespace

TEST_SUITE("python wheels") {
    TEST_CASE(
        "a build id is built, repaired against the sysroot, tested, cached and copied to the wheelhouse") {
        Fixture f;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        const WheelOutcome& outcome = outcomes[0];
        INFO(outcome.error);
        REQUIRE(outcome.ok);
        CHECK(outcome.build_id == "cp313-manylinux_x86_64");
        CHECK_FALSE(outcome.cached);
        CHECK(f.kinds == std::vector<std::string>{"build", "test"});
        // The build ran without network in the toolchain's layers, the test in the runtime's.
        CHECK_FALSE(f.sandbox.runs[0].network);
        CHECK(f.sandbox.runs[0].layers.front() == f.dir.path() / "toolchain/root");
        CHECK(f.sandbox.runs[1].layers.front() == f.dir.path() / "runtime/root");
        // Repaired: a manylinux tag, libtiny grafted in from the sysroot.
        CHECK(outcome.wheel.parent_path() == f.wheelhouse);
        CHECK(outcome.wheel.filename().string().starts_with("tinyext-1.0-cp313-cp313-manylinux_"));
        CHECK(outcome.wheel.filename().string().ends_with("manylinux_2_31_x86_64.whl"));
        REQUIRE(stdfs::exists(outcome.wheel));
        bool grafted = false;
        const Wheel written = Wheel::read(outcome.wheel, {f.dir.path()});
        for (const auto& entry : written.entries())
            grafted =
                grafted || (entry.path.starts_with("tinyext.libs/libtiny-") && entry.path.ends_with(".so.1"));
        CHECK(grafted);

        // Unchanged: the rerun runs no sandbox and copies the cached wheel again.
        stdfs::remove(outcome.wheel);
        auto again = f.run();
        REQUIRE(again.size() == 1);
        CHECK(again[0].ok);
        CHECK(again[0].cached);
        CHECK(f.kinds.size() == 2);
        CHECK(stdfs::exists(again[0].wheel));
    }

    TEST_CASE("a compile error fails the build id, nothing is tested and nothing written") {
        Fixture f;
        f.build_exit = 1;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        CHECK_FALSE(outcomes[0].ok);
        CHECK(outcomes[0].error == "cp313-manylinux_x86_64: build failed (exit 1)");
        CHECK(f.kinds == std::vector<std::string>{"build"});
        f.check_nothing_written();
    }

    TEST_CASE("a failed test fails the build id and writes nothing") {
        Fixture f;
        f.test_exit = 3;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        CHECK_FALSE(outcomes[0].ok);
        CHECK(outcomes[0].error == "cp313-manylinux_x86_64: test failed (exit 3)");
        CHECK(f.kinds == std::vector<std::string>{"build", "test"});
        f.check_nothing_written();
        // Not cached as a success: the next run builds again.
        f.test_exit = 0;
        auto again = f.run();
        CHECK(again[0].ok);
        CHECK_FALSE(again[0].cached);
    }

    TEST_CASE("a library the sysroot lacks fails the repair, naming it; nothing is tested or written") {
        Fixture f;
        f.sysroot_has_tiny = false;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        CHECK_FALSE(outcomes[0].ok);
        CHECK(outcomes[0].error.find("libtiny.so.1") != std::string::npos);
        CHECK(f.kinds == std::vector<std::string>{"build"});
        f.check_nothing_written();
    }
}
