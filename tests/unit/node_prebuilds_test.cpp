#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/fs.hpp"
#include "fake_sandbox.hpp"
#include "node/prebuilds.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::node;
namespace stdfs = std::filesystem;

namespace {

// Compiled once: libhelper.so.1 and an extension that needs it.
struct Binaries {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-prebuilds-bin-"};
    test::NeedingPair pair = test::compile_needing_pair(dir.path(), "libhelper.so.1");
};

const Binaries& binaries() {
    static const Binaries built;
    return built;
}

// `xbuild prebuild` of a node-gyp package for x64 (the host's arch), whole: the plan, the npm fetch,
// the build, the check and graft against the sysroot, the test, the result cache and prebuilds/; the
// stages are directories made here and the sandbox is the fake.
struct Fixture : test::FakeStage {
    int build_exit = 0, test_exit = 0;
    bool sysroot_has_helper = true;
    std::string package_path = ".";     // where the package is in the build's /src (a source-root)
    std::vector<std::string> programs;  // what the build makes in build/Release besides the addon
    stdfs::path package = dir.path() / "package";
    stdfs::path output = dir.path() / "prebuilds";
    std::vector<std::string> kinds;  // "fetch", "build" or "test", in the order the runs came

    Fixture() : FakeStage("xbuild-prebuilds-test-") {
        fs::make_dirs(package);
        fs::write_file_atomic(package / "package.json",
                              R"({"name": "tinyaddon", "version": "1.0.0", "xbuild": {"archs": ["x64"]}})");
        fs::write_file_atomic(package / "binding.gyp", "{}");
        sandbox.behaviour = [this](const sandbox::SandboxSpec& spec) {
            const stdfs::path out = test::bound_at(spec, "/out");
            if (!out.empty()) {
                kinds.push_back("build");
                if (build_exit != 0) return build_exit;
                const stdfs::path src = test::bound_at(spec, "/src") / package_path;
                fs::make_dirs(src / "build/Release");
                fs::write_file_atomic(src / "build/Release/tinyaddon.node", binaries().pair.extension, 0755);
                // A shared object stands in for a program: the checks ask for the machine, not the type.
                for (const std::string& name : programs)
                    fs::write_file_atomic(src / "build/Release" / name, binaries().pair.extension, 0755);
                fs::write_file_atomic(out / "addons", "build/Release/tinyaddon.node\n");
                return 0;
            }
            if (!test::bound_at(spec, "/pkg").empty()) {
                kinds.push_back("test");
                return test_exit;
            }
            kinds.push_back("fetch");
            return 0;
        };
    }

    std::vector<PrebuildOutcome> run() {
        const stdfs::path root = dir.path();
        if (!stdfs::exists(root / "sysroot")) {
            test::make_stage_tree(root / "sysroot", "libhelper.so.1",
                                  sysroot_has_helper ? binaries().pair.library : "");
            test::make_stage_tree(root / "host/root");
            test::make_stage_tree(root / "runtime/root");
            fs::make_dirs(root / "tools/root");
        }
        PrebuildOptions options;
        options.source = package;
        options.output_dir = output;
        options.stages.host_toolchain = [root](const StageContext&, const std::string&, const Arch*) {
            PreparedStage stage;
            stage.layers = {root / "host/root"};
            stage.key = "host-key";
            stage.description = "trixie/amd64 toolchain";
            return stage;
        };
        options.stages.tools = [root](const StageContext&, const PreparedStage&) {
            stage::CacheEntry entry;
            entry.dir = root / "tools";
            entry.root = root / "tools/root";
            entry.key = "tools-key";
            return entry;
        };
        options.stages.toolchain = [root](const StageContext&, const NodeProject&, const NodeTarget&,
                                          const PreparedStage& base) {
            PreparedStage stage = base;
            stage.sysroot = root / "sysroot";
            stage.sysroot_key = "sysroot-key";
            return stage;
        };
        options.stages.test = [root](const StageContext&, const NodeProject&, const Arch&,
                                     const std::string&) {
            PreparedStage stage;
            stage.layers = {root / "runtime/root"};
            stage.key = "runtime-key";
            stage.description = "trixie/amd64 runtime";
            return stage;
        };
        stage::StageContext context = this->context();
        return build_prebuilds(context, options);
    }

    void check_nothing_written() {
        CHECK(test::files_below(output, ".node", "libhelper").empty());
        CHECK(test::files_below(cache.dir() / "prebuilds", ".node").empty());
    }
};

}  // namespace

TEST_SUITE("node prebuilds") {
    TEST_CASE(
        "an arch is fetched, built, checked and grafted, tested, cached and written in node-gyp-build's "
        "layout") {
        Fixture f;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        const PrebuildOutcome& outcome = outcomes[0];
        INFO(outcome.error);
        REQUIRE(outcome.ok);
        CHECK(outcome.arch == "x64");
        CHECK_FALSE(outcome.cached);
        CHECK(f.kinds == std::vector<std::string>{"fetch", "build", "test"});
        // The fetch has the network, the build has not.
        CHECK(f.sandbox.runs[0].network);
        CHECK_FALSE(f.sandbox.runs[1].network);
        CHECK(outcome.prebuild == f.output / "linux-x64/tinyaddon.napi.glibc.node");
        CHECK(stdfs::exists(outcome.prebuild));
        REQUIRE(outcome.grafted.size() == 1);
        CHECK(outcome.grafted[0].starts_with("libhelper-"));
        CHECK(stdfs::exists(f.output / "linux-x64" / outcome.grafted[0]));

        // Unchanged: nothing runs again; the files come from the cache.
        stdfs::remove_all(f.output);
        auto again = f.run();
        REQUIRE(again.size() == 1);
        CHECK(again[0].ok);
        CHECK(again[0].cached);
        CHECK(f.kinds.size() == 3);
        CHECK(stdfs::exists(again[0].prebuild));
    }

    TEST_CASE("a compile error fails the arch; nothing is tested or written") {
        Fixture f;
        f.build_exit = 2;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        CHECK_FALSE(outcomes[0].ok);
        CHECK(outcomes[0].error == "x64: build failed (exit 2)");
        CHECK(f.kinds == std::vector<std::string>{"fetch", "build"});
        f.check_nothing_written();
    }

    TEST_CASE("a failed test fails the arch and writes nothing") {
        Fixture f;
        f.test_exit = 1;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        CHECK_FALSE(outcomes[0].ok);
        CHECK(outcomes[0].error == "x64: test failed (exit 1)");
        f.check_nothing_written();
    }

    TEST_CASE("a library the sysroot lacks is an error naming it; nothing is tested or written") {
        Fixture f;
        f.sysroot_has_helper = false;
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        CHECK_FALSE(outcomes[0].ok);
        CHECK(outcomes[0].error.find("libhelper.so.1") != std::string::npos);
        CHECK(f.kinds == std::vector<std::string>{"fetch", "build"});
        f.check_nothing_written();
    }

    TEST_CASE(
        "a package in a monorepo: the source root is built from the package's directory; excluded paths "
        "stay out; its programs are written beside the addon") {
        Fixture f;
        f.package = f.dir.path() / "repo/node/pkg";
        f.output = f.package / "prebuilds";
        f.package_path = "node/pkg";
        f.programs = {"tinytool"};
        fs::make_dirs(f.package);
        fs::write_file_atomic(f.package / "package.json",
                              R"({"name": "tinyaddon", "xbuild": {"archs": ["x64"],
            "source-root": "../..", "exclude": ["big"], "executables": ["tinytool"]}})");
        fs::write_file_atomic(f.package / "binding.gyp", "{}");
        fs::make_dirs(f.dir.path() / "repo/lib");
        fs::make_dirs(f.dir.path() / "repo/big");
        fs::write_file_atomic(f.dir.path() / "repo/lib/core.cc", "int core;\n");
        fs::write_file_atomic(f.dir.path() / "repo/big/blob", "huge\n");
        std::vector<std::string> build_dirs;  // what the build's /src held
        auto behaviour = f.sandbox.behaviour;
        f.sandbox.behaviour = [&](const sandbox::SandboxSpec& spec) {
            if (!test::bound_at(spec, "/out").empty()) {
                const stdfs::path src = test::bound_at(spec, "/src");
                for (const char* path : {"lib/core.cc", "big", "node/pkg/package.json"})
                    if (stdfs::exists(src / path)) build_dirs.push_back(path);
                CHECK(spec.argv.back().find("cd '/src/node/pkg'\n") != std::string::npos);
            }
            return behaviour(spec);
        };
        auto outcomes = f.run();
        REQUIRE(outcomes.size() == 1);
        INFO(outcomes[0].error);
        REQUIRE(outcomes[0].ok);
        CHECK(build_dirs == std::vector<std::string>{"lib/core.cc", "node/pkg/package.json"});
        CHECK(outcomes[0].executables == std::vector<std::string>{"tinytool"});
        const stdfs::path program = f.output / "linux-x64/tinytool";
        REQUIRE(stdfs::exists(program));
        CHECK((stdfs::status(program).permissions() & stdfs::perms::owner_exec) != stdfs::perms::none);

        // A program the build did not make fails the arch and writes nothing.
        stdfs::remove_all(f.output);
        fs::write_file_atomic(f.dir.path() / "repo/lib/core.cc", "int core2;\n");
        f.programs.clear();
        auto missing = f.run();
        REQUIRE(missing.size() == 1);
        CHECK_FALSE(missing[0].ok);
        CHECK(missing[0].error ==
              "x64: the build made no program build/Release/tinytool (package.json "
              "xbuild.executables)");
        CHECK_FALSE(stdfs::exists(f.output / "linux-x64"));
    }
}
