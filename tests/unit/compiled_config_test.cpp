// The [build] table of xbuild.toml: every key, the defaults, and one error naming the file and key for
// each kind of bad input.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "compiled/config.hpp"

using namespace xbuild;
using namespace xbuild::compiled;
namespace stdfs = std::filesystem;
using Strings = std::vector<std::string>;

namespace {

struct Project {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-compiled-config-"};
    explicit Project(const std::string& toml) { fs::write_file_atomic(dir.path() / "xbuild.toml", toml); }
    std::string error() const {
        try {
            load_build_config(dir.path());
        } catch (const Error& error) {
            return error.what();
        }
        return "(no error)";
    }
};

}  // namespace

TEST_SUITE("compiled config") {
    TEST_CASE("every key, sorted environment") {
        Project project(
            "[build]\nsystem = \"meson\"\nbuild-packages = [\"libyaml-dev\", \"zlib1g-dev:arm64\"]\n"
            "args = [\"-Dfoo=true\", \"a b\"]\ninstall = [\"bin/x\", \"lib/*.so*\"]\n"
            "env = { ZED = \"1\", ALPHA = \"two words\" }\n[image]\ntag = \"x:1\"\n");
        auto config = load_build_config(project.dir.path());
        REQUIRE(config);
        CHECK(config->system == BuildSystem::meson);
        CHECK(config->build_packages == Strings{"libyaml-dev", "zlib1g-dev:arm64"});
        CHECK(config->args == Strings{"-Dfoo=true", "a b"});
        CHECK(config->install == Strings{"bin/x", "lib/*.so*"});
        CHECK(config->environment == Strings{"ALPHA=two words", "ZED=1"});
        CHECK(config->file == (project.dir.path() / "xbuild.toml").string());
    }
    TEST_CASE("no [build] table: none; install defaults to bin/*") {
        Project none("[image]\ntag = \"x:1\"\n");
        CHECK_FALSE(load_build_config(none.dir.path()));
        Project go("[build]\nsystem = \"go\"\n");
        CHECK(load_build_config(go.dir.path())->install == Strings{"bin/*"});
        CHECK(system_name(BuildSystem::cargo) == "cargo");
    }
    TEST_CASE("bad input: one error naming the file and the key") {
        const std::string file = "xbuild.toml: [build]";
        CHECK(Project("[build]\nsystem = \"bazel\"\n")
                  .error()
                  .find(file + " system: unknown build system 'bazel'") != std::string::npos);
        CHECK(Project("[build]\nargs = [\"x\"]\n").error().find("[build] needs system =") !=
              std::string::npos);
        CHECK(Project("[build]\nsystem = \"make\"\ninstall = [\"../etc/passwd\"]\n")
                  .error()
                  .find(file + " install: '../etc/passwd' must be a path relative to the prefix") !=
              std::string::npos);
        CHECK(Project("[build]\nsystem = \"make\"\ninstall = [\"/usr/bin/x\"]\n")
                  .error()
                  .find("must be a path relative") != std::string::npos);
        CHECK(
            Project("[build]\nsystem = \"make\"\ninstall = []\n").error().find("names nothing to install") !=
            std::string::npos);
        CHECK(Project("[build]\nsystem = \"make\"\nargs = \"-j1\"\n")
                  .error()
                  .find(file + " args: must be an array") != std::string::npos);
        CHECK(Project("[build]\nsystem = \"make\"\nbuild-packages = [\"x; rm -rf /\"]\n")
                  .error()
                  .find(file + " build-packages") != std::string::npos);
        CHECK(Project("[build]\nsystem = \"make\"\nenv = { \"1X\" = \"a\" }\n")
                  .error()
                  .find("not an environment variable") != std::string::npos);
        CHECK(Project("[build]\nsystem = \"make\"\nflags = 1\n").error().find(file + " flags: unknown key") !=
              std::string::npos);
        CHECK(Project("[build]\nsystem = \n").error().find("xbuild.toml:2:") != std::string::npos);
    }
}
