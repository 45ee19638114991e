#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "node/project.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::node;
namespace stdfs = std::filesystem;
using xbuild::test::contains;
using Strings = std::vector<std::string>;

namespace {

struct Package {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-node-project-"};
    explicit Package(const std::string& package_json, const std::string& build_file = "binding.gyp") {
        fs::write_file_atomic(dir.path() / "package.json", package_json);
        if (!build_file.empty()) fs::write_file_atomic(dir.path() / build_file, "{}\n");
    }
    std::string where() const { return (dir.path() / "package.json").string(); }
};

// Clears the XBUILD_* variables the loader reads, for the test's duration.
void unset_xbuild_variables() {
    for (const char* name : {"XBUILD_ARCHS", "XBUILD_BUILD_PACKAGES", "XBUILD_TEST_COMMAND",
                             "XBUILD_TEST_PACKAGES", "XBUILD_TEST_SUITES", "XBUILD_ENVIRONMENT"})
        ::unsetenv(name);
}
struct CleanEnvironment {
    CleanEnvironment() { unset_xbuild_variables(); }
    ~CleanEnvironment() { unset_xbuild_variables(); }
};

}  // namespace

TEST_SUITE("node project") {
    TEST_CASE("package.json's name, version and xbuild section") {
        CleanEnvironment clean;
        Package package(R"({"name": "@acme/fast.thing", "version": "2.1.0", "xbuild": {
            "archs": ["x64", "arm64"], "build-packages": "libz-dev libssl-dev", "test-command": "node t.js",
            "test-packages": ["libz1"], "napi-version": 8, "suite": "bookworm", "environment": {"FAST": "1"}}})");
        auto project = load_node_project(package.dir.path(), {});
        CHECK(project.name == "@acme/fast.thing");
        CHECK(project.version == "2.1.0");
        CHECK(project.prebuild_name == "fast_thing");
        CHECK(project.path_name == "acme+fast.thing");
        CHECK(project.build_system == BuildSystem::node_gyp);
        CHECK_FALSE(project.has_lock_file);
        CHECK(project.config.archs == Strings{"x64", "arm64"});
        CHECK(project.config.build_packages == Strings{"libz-dev", "libssl-dev"});
        CHECK(project.config.test_command == "node t.js");
        CHECK(project.config.test_packages == Strings{"libz1"});
        CHECK(project.config.napi_version == 8);
        CHECK(project.config.suite == "bookworm");
        CHECK(project.config.environment == Strings{"FAST=1"});
    }

    TEST_CASE("defaults, the lock file, and a tag-like name") {
        CleanEnvironment clean;
        Package package(R"({"name": "node"})");
        fs::write_file_atomic(package.dir.path() / "package-lock.json", "{}");
        auto project = load_node_project(package.dir.path(), {});
        CHECK(project.version == "0.0.0");
        CHECK(project.prebuild_name ==
              "addon-node");  // "node" alone would read as node-gyp-build's runtime tag
        CHECK(project.has_lock_file);
        CHECK(project.config.suite == "trixie");
        CHECK_FALSE(project.config.napi_version.has_value());
    }

    TEST_CASE("cmake-js for CMakeLists.txt alone, or when the package names it") {
        CleanEnvironment clean;
        Package cmake_only(R"({"name": "c"})", "CMakeLists.txt");
        CHECK(load_node_project(cmake_only.dir.path(), {}).build_system == BuildSystem::cmake_js);
        Package both(R"({"name": "c", "devDependencies": {"cmake-js": "^7"}})", "CMakeLists.txt");
        fs::write_file_atomic(both.dir.path() / "binding.gyp", "{}");
        CHECK(load_node_project(both.dir.path(), {}).build_system == BuildSystem::cmake_js);
        Package gyp(R"({"name": "c"})", "CMakeLists.txt");
        fs::write_file_atomic(gyp.dir.path() / "binding.gyp", "{}");
        CHECK(load_node_project(gyp.dir.path(), {}).build_system == BuildSystem::node_gyp);
    }

    TEST_CASE("command line and environment override the package.json section") {
        CleanEnvironment clean;
        Package package(R"({"name": "p", "xbuild": {"archs": "x64", "test-command": "a"}})");
        CHECK(load_node_project(package.dir.path(), {{"arm64"}}).config.archs == Strings{"arm64"});
        ::setenv("XBUILD_ARCHS", "riscv64,arm64", 1);
        ::setenv("XBUILD_TEST_COMMAND", "node -e 1", 1);
        ::setenv("XBUILD_ENVIRONMENT", "A=1 B=2", 1);
        auto project = load_node_project(package.dir.path(), {{"x64"}});
        CHECK(project.config.archs == Strings{"riscv64", "arm64"});
        CHECK(project.config.test_command == "node -e 1");
        CHECK(project.config.environment == Strings{"A=1", "B=2"});
        ::setenv("XBUILD_ENVIRONMENT", "novalue", 1);
        CHECK_THROWS_WITH_AS(load_node_project(package.dir.path(), {}),
                             contains("XBUILD_ENVIRONMENT: 'novalue'"), Error);
    }

    TEST_CASE("test suites: package.json, command line, environment; the build suite by default") {
        CleanEnvironment clean;
        Package plain(R"({"name": "p", "xbuild": {"suite": "bookworm"}})");
        CHECK(test_suites(load_node_project(plain.dir.path(), {}).config) == Strings{"bookworm"});
        Package listed(
            R"({"name": "p", "xbuild": {"test-suites": ["bookworm", "trixie", "forky", "trixie"]}})");
        auto project = load_node_project(listed.dir.path(), {});
        CHECK(test_suites(project.config) == Strings{"bookworm", "trixie", "forky"});  // each once
        CHECK(project.config.suite == "trixie");
        CHECK(test_suites(load_node_project(listed.dir.path(), {{}, {}, {"forky"}}).config) ==
              Strings{"forky"});
        ::setenv("XBUILD_TEST_SUITES", "bullseye bookworm", 1);
        CHECK(test_suites(load_node_project(listed.dir.path(), {{}, {}, {"forky"}}).config) ==
              Strings{"bullseye", "bookworm"});
        ::setenv("XBUILD_TEST_SUITES", "jessie", 1);
        CHECK_THROWS_WITH_AS(load_node_project(listed.dir.path(), {}),
                             contains("XBUILD_TEST_SUITES: unknown suite 'jessie'"), Error);
        ::unsetenv("XBUILD_TEST_SUITES");
        CHECK_THROWS_WITH_AS(load_node_project(listed.dir.path(), {{}, {}, {"trixie", "buster"}}),
                             contains("--test-suites: unknown suite 'buster'"), Error);
        Package unknown(R"({"name": "p", "xbuild": {"test-suites": "bookworm,stretch"}})");
        CHECK_THROWS_WITH_AS(load_node_project(unknown.dir.path(), {}),
                             contains(unknown.where() + ": xbuild.test-suites: unknown suite 'stretch'"),
                             Error);
        Package empty(R"({"name": "p", "xbuild": {"test-suites": []}})");
        CHECK_THROWS_WITH_AS(load_node_project(empty.dir.path(), {}),
                             contains("xbuild.test-suites: names no suite"), Error);
    }

    TEST_CASE("source-root: the package's place in it; exclude and executables") {
        CleanEnvironment clean;
        fs::TempDir repo(stdfs::temp_directory_path(), "xbuild-node-repo-");
        fs::make_dirs(repo.path() / "node/binding");
        fs::write_file_atomic(
            repo.path() / "node/binding/package.json",
            R"({"name": "p", "xbuild": {"source-root": "../..", "exclude": ["build", ".cache"],
                                  "executables": ["tool"]}})");
        fs::write_file_atomic(repo.path() / "node/binding/CMakeLists.txt", "\n");
        auto project = load_node_project(repo.path() / "node/binding", {});
        CHECK(project.source_root == stdfs::canonical(repo.path()));
        CHECK(project.package_path == "node/binding");
        CHECK(project.config.executables == Strings{"tool"});
        const auto excluded = excluded_paths(project, "/out");
        for (const stdfs::path& path : {project.dir / "node_modules", project.source_root / "build",
                                        project.source_root / ".cache", stdfs::path("/out")})
            CHECK(std::find(excluded.begin(), excluded.end(), path) != excluded.end());
        // Without it, the package's own directory.
        Package plain(R"({"name": "p"})");
        auto own = load_node_project(plain.dir.path(), {});
        CHECK(own.source_root == plain.dir.path());
        CHECK(own.package_path == ".");
    }

    TEST_CASE("bad input names the file and the key") {
        CleanEnvironment clean;
        fs::TempDir empty(stdfs::temp_directory_path(), "xbuild-node-empty-");
        CHECK_THROWS_WITH_AS(load_node_project(empty.path(), {}), contains("no package.json"), Error);
        Package no_build(R"({"name": "p"})", "");
        CHECK_THROWS_WITH_AS(load_node_project(no_build.dir.path(), {}),
                             contains("no binding.gyp or CMakeLists.txt"), Error);
        Package broken("{\"name\": ");
        CHECK_THROWS_WITH_AS(load_node_project(broken.dir.path(), {}),
                             contains(broken.where() + ": invalid JSON"), Error);
        Package array("[1]");
        CHECK_THROWS_WITH_AS(load_node_project(array.dir.path(), {}), contains("must hold a JSON object"),
                             Error);
        Package nameless(R"({"version": "1.0.0"})");
        CHECK_THROWS_WITH_AS(load_node_project(nameless.dir.path(), {}), contains("no \"name\""), Error);
        Package bad_name(R"({"name": "../Evil"})");
        CHECK_THROWS_WITH_AS(load_node_project(bad_name.dir.path(), {}),
                             contains("not a valid npm package name"), Error);
        Package cached(R"({"name": "p", "xbuild": {"cache": {"registry": "registry.internal/team/cache"}}})");
        CHECK(load_node_project(cached.dir.path(), {}).config.cache_registry ==
              "registry.internal/team/cache");
        Package cache_key(R"({"name": "p", "xbuild": {"cache": {"repo": "x"}}})");
        CHECK_THROWS_WITH_AS(
            load_node_project(cache_key.dir.path(), {}),
            contains(cache_key.where() + ": xbuild.cache.repo: unknown key (known: registry)"), Error);
        Package unknown(R"({"name": "p", "xbuild": {"arch": "x64"}})");
        CHECK_THROWS_WITH_AS(load_node_project(unknown.dir.path(), {}),
                             contains(unknown.where() + ": xbuild.arch: unknown key"), Error);
        Package napi(R"({"name": "p", "xbuild": {"napi-version": "8"}})");
        CHECK_THROWS_WITH_AS(load_node_project(napi.dir.path(), {}), contains("xbuild.napi-version: must be"),
                             Error);
        Package suite(R"({"name": "p", "xbuild": {"suite": "buster"}})");
        CHECK_THROWS_WITH_AS(load_node_project(suite.dir.path(), {}),
                             contains(suite.where() + ": xbuild.suite: unknown suite 'buster'"), Error);
        Package climbing(R"({"name": "../../../../tmp/x"})");
        CHECK_THROWS_WITH_AS(
            load_node_project(climbing.dir.path(), {}),
            contains(climbing.where() + ": name '../../../../tmp/x' is not a valid npm package name"), Error);
        Package scoped_climb(R"({"name": "@scope/../x"})");
        CHECK_THROWS_AS(load_node_project(scoped_climb.dir.path(), {}), Error);
        Package bad_package(R"({"name": "p", "xbuild": {"build-packages": ["zlib1g-dev", "a b"]}})");
        CHECK_THROWS_WITH_AS(
            load_node_project(bad_package.dir.path(), {}),
            contains(bad_package.where() + ": xbuild.build-packages: invalid package name 'a b'"), Error);
        Package bad_test_package(R"({"name": "p", "xbuild": {"test-packages": "../x"}})");
        CHECK_THROWS_WITH_AS(load_node_project(bad_test_package.dir.path(), {}),
                             contains("xbuild.test-packages: invalid package name '../x'"), Error);
        Package absolute_root(R"({"name": "p", "xbuild": {"source-root": "/"}})");
        CHECK_THROWS_WITH_AS(load_node_project(absolute_root.dir.path(), {}),
                             contains("xbuild.source-root: must be a relative path"), Error);
        Package missing_root(R"({"name": "p", "xbuild": {"source-root": "../no-such-dir"}})");
        CHECK_THROWS_WITH_AS(
            load_node_project(missing_root.dir.path(), {}),
            contains(missing_root.where() + ": xbuild.source-root: '../no-such-dir' is not a "
                                            "directory"),
            Error);
        fs::make_dirs(missing_root.dir.path() / "sub");
        Package inner_root(R"({"name": "p", "xbuild": {"source-root": "sub"}})");
        fs::make_dirs(inner_root.dir.path() / "sub");
        CHECK_THROWS_WITH_AS(load_node_project(inner_root.dir.path(), {}),
                             contains("xbuild.source-root: 'sub' does not hold the package"), Error);
        Package climbing_exclude(R"({"name": "p", "xbuild": {"exclude": ["build", "../x"]}})");
        CHECK_THROWS_WITH_AS(load_node_project(climbing_exclude.dir.path(), {}),
                             contains("xbuild.exclude: '../x' is not a path inside the source root"), Error);
        Package program_path(R"({"name": "p", "xbuild": {"executables": ["bin/tool"]}})");
        CHECK_THROWS_WITH_AS(load_node_project(program_path.dir.path(), {}),
                             contains("xbuild.executables: 'bin/tool' is not the file name of a program"),
                             Error);
        Package list(R"({"name": "p", "xbuild": {"archs": [1]}})");
        CHECK_THROWS_WITH_AS(load_node_project(list.dir.path(), {}),
                             contains("xbuild.archs: must be an array of strings"), Error);
    }

    TEST_CASE(
        "sources including V8, NAN or node.h without Node-API are found; libuv is not; node_modules and "
        "build are skipped") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-node-abi-");
        fs::make_dirs(dir.path() / "src");
        fs::make_dirs(dir.path() / "node_modules/nan");
        fs::make_dirs(dir.path() / "build");
        fs::write_file_atomic(dir.path() / "src/napi.cc", "#include <node_api.h>\n#include \"napi.h\"\n");
        fs::write_file_atomic(dir.path() / "src/legacy.cc", "// old\n  #  include <nan.h>\n");
        fs::write_file_atomic(dir.path() / "src/engine.cc",
                              "#include <stdio.h>\n#include <v8.h>\n#include <node.h>\n");
        // libuv through Node-API (napi_get_uv_event_loop), as database bindings do: not refused.
        fs::write_file_atomic(dir.path() / "src/loop.h", "#include \"uv.h\"\n");
        fs::write_file_atomic(dir.path() / "src/loop.c", "#include <node_api.h>\n#include <uv.h>\n");
        // node.h beside a Node-API header (version macros, say): the built file decides.
        fs::write_file_atomic(dir.path() / "src/both.cc", "#include <node.h>\n#include <js_native_api.h>\n");
        fs::write_file_atomic(dir.path() / "src/notes.txt", "#include <v8.h>\n");
        fs::write_file_atomic(dir.path() / "node_modules/nan/nan.h", "#include <v8.h>\n");
        fs::write_file_atomic(dir.path() / "build/gen.cc", "#include <v8.h>\n");
        CHECK(find_abi_unstable_includes(dir.path()) ==
              Strings{"src/engine.cc includes <v8.h>", "src/legacy.cc includes <nan.h>"});
    }
}
