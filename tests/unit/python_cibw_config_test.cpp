#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "python/cibw_config.hpp"
#include "python/config_report.hpp"
#include "python/project.hpp"
#include "python/targets.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

// Whether text contains part.
bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}
using Strings = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

// [tool.cibuildwheel] of a pyproject.toml text.
struct Parsed {
    toml::table root;
    explicit Parsed(const std::string& text) : root(toml::parse(text)) {}
    const toml::table* tool() const { return root["tool"]["cibuildwheel"].as_table(); }
};

cibw::Settings resolve(const std::string& text, const Env& env, std::string_view id) {
    Parsed parsed(text);
    return cibw::Config(parsed.tool(), "pyproject.toml", env).resolve(id);
}

std::string error_of(const std::string& text, const Env& env = {}) {
    try {
        Parsed parsed(text);
        cibw::Config(parsed.tool(), "pyproject.toml", env);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

WheelConfig applied(const std::string& text, const Env& env, std::string_view id,
                    const std::map<std::string, Strings>& extras = {}) {
    WheelConfig config;
    cibw::apply(resolve(text, env, id), extras, config);
    return config;
}

}  // namespace

TEST_SUITE("cibuildwheel configuration") {
    TEST_CASE("precedence: table < linux table < CIBW_X < CIBW_X_LINUX") {
        const std::string text =
            "[tool.cibuildwheel]\ntest-command = \"pytest a\"\nbefore-build = \"make\"\nskip = \"pp*\"\n"
            "[tool.cibuildwheel.linux]\ntest-command = \"pytest b\"\n";
        auto s = resolve(text, {}, "cp313-manylinux_x86_64");
        CHECK(s.at("test-command").value == "pytest b");
        CHECK(s.at("test-command").where == "pyproject.toml: [tool.cibuildwheel.linux] test-command");
        CHECK(s.at("before-build").value == "make");
        s = resolve(text, {{"CIBW_TEST_COMMAND", "pytest c"}}, "cp313-manylinux_x86_64");
        CHECK(s.at("test-command").value == "pytest c");
        CHECK(s.at("test-command").where == "CIBW_TEST_COMMAND");
        s = resolve(text, {{"CIBW_TEST_COMMAND", "pytest c"}, {"CIBW_TEST_COMMAND_LINUX", "pytest d"}}, "");
        CHECK(s.at("test-command").value == "pytest d");
        // Platforms other than Linux are cibuildwheel's business too: ignored here.
        s = resolve(text, {{"CIBW_TEST_COMMAND_MACOS", "x"}, {"CIBW_SKIP", "cp39-*"}}, "");
        CHECK(s.at("test-command").value == "pytest b");
        CHECK(s.at("skip").value == "cp39-*");
    }

    TEST_CASE("lists and tables become cibuildwheel's strings") {
        const std::string text =
            "[tool.cibuildwheel]\ntest-command = [\"pytest a\", \"pytest b\"]\n"
            "test-requires = [\"pytest\", \"numpy>=1.20\"]\nenvironment = { A = \"1\", B = \"$A x\" }\n"
            "config-settings = { \"--build-option\" = \"--x\", key = [\"a b\", \"c\"] }\n";
        auto s = resolve(text, {}, "");
        CHECK(s.at("test-command").value == "pytest a && pytest b");
        CHECK(s.at("test-requires").value == "'pytest' 'numpy>=1.20'");
        CHECK(s.at("environment").value == "A=\"1\" B=\"$A x\"");
        WheelConfig config;
        cibw::apply(s, {}, config);
        CHECK(config.test_requirements == Strings{"pytest", "numpy>=1.20"});
        CHECK(config.exports == Strings{"A=\"1\"", "B=\"$A x\""});
        CHECK(config.config_settings == Strings{"--build-option=--x", "key=a b", "key=c"});
        CHECK(config.test_command == "pytest a && pytest b");
    }

    TEST_CASE("overrides apply in order to the build ids they select, with inherit") {
        const std::string text =
            "[tool.cibuildwheel]\ntest-command = \"pytest\"\nenvironment = { A = \"1\" }\n"
            "[[tool.cibuildwheel.overrides]]\nselect = \"cp3{11,13}-*\"\ninherit.environment = \"append\"\n"
            "environment = { B = \"2\" }\ninherit.test-command = \"prepend\"\ntest-command = \"echo first\"\n"
            "[[tool.cibuildwheel.overrides]]\nselect = \"*_aarch64\"\ntest-command = \"true\"\n";
        auto s = resolve(text, {}, "cp313-manylinux_x86_64");
        CHECK(s.at("environment").value == "A=\"1\" B=\"2\"");
        CHECK(s.at("test-command").value == "echo first && pytest");
        CHECK(contains(s.at("environment").where, "overrides]] #1"));
        s = resolve(text, {}, "cp313-manylinux_aarch64");
        CHECK(s.at("test-command").value == "true");
        s = resolve(text, {}, "cp314-manylinux_x86_64");
        CHECK(s.at("environment").value == "A=\"1\"");
        CHECK(s.at("test-command").value == "pytest");
        // The variable still wins over an override.
        s = resolve(text, {{"CIBW_TEST_COMMAND", "env"}}, "cp313-manylinux_x86_64");
        CHECK(s.at("test-command").value == "env");
        // Tables merge by key: the later value of a key replaces the earlier.
        const std::string tables =
            "[tool.cibuildwheel]\nconfig-settings = { a = \"1\", b = \"2\" }\n"
            "[[tool.cibuildwheel.overrides]]\nselect = \"*\"\ninherit.config-settings = \"append\"\n"
            "config-settings = { b = \"3\" }\n";
        WheelConfig config = applied(tables, {}, "cp313-manylinux_x86_64");
        CHECK(config.config_settings == Strings{"a=1", "b=3"});
    }

    TEST_CASE("CIBW_* variables xbuild does not read are named; other platforms' are not") {
        Parsed parsed("");
        const cibw::Config config(parsed.tool(), "pyproject.toml",
                                  {{"CIBW_TEST_COMAND", "pytest"},
                                   {"CIBW_OUTPUT_DIR", "dist"},
                                   {"CIBW_PLATFORM", "linux"},
                                   {"CIBW_ARCHS_MACOS", "universal2"},
                                   {"CIBW_BUILD_LINUX", "cp313-*"}});
        CHECK(config.notes() ==
              Strings{"CIBW_BUILD_LINUX: not honoured: not a cibuildwheel option xbuild knows",
                      "CIBW_OUTPUT_DIR: not honoured: the wheelhouse is -o/--output (default "
                      "wheelhouse)",
                      "CIBW_TEST_COMAND: not honoured: not a cibuildwheel option xbuild knows"});
        CHECK_FALSE(config.empty());
    }

    TEST_CASE("environment: $(...) and quotes stay whole, for the build's shell") {
        CHECK(cibw::environment_assignments(
                  "V=$(python -c \"print(1 + 2)\") B=\"$(echo \"a b\")-x\" C=`uname -m` PATH=$PATH:/opt/bin",
                  "e") == Strings{"V=$(python -c \"print(1 + 2)\")", "B=\"$(echo \"a b\")-x\"",
                                  "C=`uname -m`", "PATH=$PATH:/opt/bin"});
        CHECK_THROWS_WITH_AS(cibw::environment_assignments("V=$(echo", "CIBW_ENVIRONMENT"),
                             doctest::Contains("CIBW_ENVIRONMENT: unterminated $("), Error);
    }

    TEST_CASE("selectors: spaces, globs and {a,b}") {
        CHECK(cibw::selector_matches("cp3{11,13}-*", "cp311-manylinux_x86_64"));
        CHECK(cibw::selector_matches("cp3{11,13}-*", "cp313-manylinux_x86_64"));
        CHECK_FALSE(cibw::selector_matches("cp3{11,13}-*", "cp314-manylinux_x86_64"));
        CHECK(cibw::selector_matches("pp* *-manylinux_aarch64", "cp39-manylinux_aarch64"));
        CHECK_FALSE(cibw::selector_matches("*-musllinux_*", "cp39-manylinux_aarch64"));
        WheelConfig config;
        config.build = {"cp311-*", "cp313-*"};
        config.skip = {"*_aarch64"};
        CHECK(selected(config, "cp313-manylinux_x86_64"));
        CHECK_FALSE(selected(config, "cp313-manylinux_aarch64"));
        CHECK_FALSE(selected(config, "cp314-manylinux_x86_64"));
    }

    TEST_CASE("options map onto xbuild's: placeholders, archs, images, repair") {
        std::string text =
            "[tool.cibuildwheel]\ntest-command = \"pytest {package}/tests\"\narchs = \"auto aarch64\"\n"
            "manylinux-x86_64-image = \"manylinux_2_36\"\nmanylinux-aarch64-image = "
            "\"quay.io/pypa/manylinux_2_41_aarch64:2025.01\"\nrepair-wheel-command = \"\"\n"
            "test-sources = [\"tests\", \"conftest.py\"]\ntest-extras = \"test\"\ntest-requires = "
            "\"hypothesis\"\n";
        WheelConfig config = applied(text, {}, "", {{"test", {"pytest"}}});
        CHECK(config.test_command == "pytest {project}/tests");
        CHECK(config.archs.front() == std::string(host_arch().uname));
        CHECK(config.archs.back() == "aarch64");
        CHECK(config.manylinux == "2_36");  // the lowest image's glibc
        CHECK_FALSE(config.repair);
        CHECK(config.test_sources == Strings{"tests", "conftest.py"});
        CHECK(config.test_requirements == Strings{"hypothesis", "pytest"});
        CHECK(config.sources.at("test-command") == "pyproject.toml: [tool.cibuildwheel] test-command");
        // An image older than every floor: the oldest floor, and a note.
        config = applied("[tool.cibuildwheel]\nmanylinux-x86_64-image = \"manylinux2014\"\n", {}, "");
        CHECK(config.manylinux == "2_31");
        REQUIRE(config.notes.size() == 1);
        CHECK(contains(config.notes[0], "glibc 2.17 is older than xbuild's oldest floor"));
        // auditwheel's own command is what xbuild's repair does: no note.
        config = applied("", {{"CIBW_REPAIR_WHEEL_COMMAND", "auditwheel repair -w {dest_dir} {wheel}"}}, "");
        CHECK(config.repair);
        CHECK(config.notes.empty());
        // Its --exclude, --lib-sdir and --only-plat become xbuild's repair options.
        config = applied(
            "[tool.cibuildwheel.linux]\nrepair-wheel-command = \"auditwheel repair --exclude "
            "libcuda.so.1 -e 'libnv*.so.*' --lib-sdir=.vendored --only-plat -w {dest_dir} {wheel}\"\n",
            {}, "");
        CHECK(config.notes.empty());
        CHECK(config.repair_exclude == Strings{"libcuda.so.1", "libnv*.so.*"});
        CHECK(config.lib_sdir == ".vendored");
        CHECK(config.only_plat);
        // Any other command runs instead of xbuild's repair ({package} as {project}).
        config = applied("", {{"CIBW_REPAIR_WHEEL_COMMAND", "auditwheel repair -w /tmp/x {wheel}"}}, "");
        CHECK(config.repair_command == "auditwheel repair -w /tmp/x {wheel}");
        config = applied(
            "[tool.cibuildwheel.linux]\nrepair-wheel-command = [\"cp {wheel} {dest_dir}\", "
            "\"ls {package}\"]\n",
            {}, "");
        CHECK(config.repair_command == "cp {wheel} {dest_dir} && ls {project}");
        CHECK(config.notes.empty());
    }

    TEST_CASE("options xbuild cannot honour are each named in a note") {
        const std::string text =
            "[tool.cibuildwheel]\ncontainer-engine = \"podman\"\nbuild-frontend = \"build[uv]\"\n"
            "enable = [\"pypy\"]\nmusllinux-x86_64-image = \"musllinux_1_2\"\n"
            "dependency-versions = \"latest\"\ntest-groups = [\"test\"]\n";
        WheelConfig config = applied(text, {}, "");
        for (const char* option : {"container-engine", "build-frontend", "enable", "musllinux-x86_64-image",
                                   "dependency-versions", "test-groups"}) {
            CAPTURE(option);
            CHECK(std::count_if(config.notes.begin(), config.notes.end(), [&](const std::string& note) {
                      return contains(note, std::string("[tool.cibuildwheel] ") + option + ":");
                  }) == 1);
        }
        CHECK(config.notes.size() == 6);
    }

    TEST_CASE("bad input is one error naming the file and the key") {
        CHECK(error_of("[tool.cibuildwheel]\ntest-comand = \"x\"\n") ==
              "pyproject.toml: [tool.cibuildwheel] test-comand: not a cibuildwheel option");
        CHECK(contains(error_of("[[tool.cibuildwheel.overrides]]\ntest-command = \"x\"\n"), "has no select"));
        CHECK(contains(
            error_of("[[tool.cibuildwheel.overrides]]\nselect = \"*\"\ninherit.environment = \"add\"\n"),
            "inherit.environment: 'add' is not none, append or prepend"));
        CHECK(contains(error_of("[[tool.cibuildwheel.overrides]]\nselect = \"*\"\nskip = \"cp39-*\"\n"),
                       "skip: cannot be set in an override"));
        CHECK(contains(error_of("[tool.cibuildwheel]\nenvironment = [\"A=1\"]\n"),
                       "[tool.cibuildwheel] environment: does not take a list"));
        CHECK(contains(error_of("[tool.cibuildwheel]\nenvironment = { \"A B\" = \"1\" }\n"),
                       "is not an environment variable name"));
        CHECK_THROWS_WITH_AS(applied("", {{"CIBW_ENVIRONMENT", "A=1 oops"}}, ""),
                             "CIBW_ENVIRONMENT: 'oops' is not NAME=VALUE", Error);
        CHECK_THROWS_WITH_AS(applied("", {{"CIBW_ENVIRONMENT", "A='1"}}, ""),
                             doctest::Contains("unterminated ' quote"), Error);
        CHECK_THROWS_WITH_AS(applied("[tool.cibuildwheel]\ntest-extras = \"docs\"\n", {}, ""),
                             doctest::Contains("'docs' is not an extra of [project.optional-dependencies]"),
                             Error);
        CHECK_THROWS_WITH_AS(applied("[tool.cibuildwheel]\ntest-sources = \"../secrets\"\n", {}, ""),
                             doctest::Contains("must be a path inside the project"), Error);
    }

    TEST_CASE("load_project: [tool.xbuild] wins key by key, overrides per build id, --print-config") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-cibw-test-");
        fs::write_file_atomic(
            dir.path() / "pyproject.toml",
            "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n"
            "[project]\nname = \"p\"\n[tool.xbuild]\ntest-command = \"python3 -m p.selftest\"\n"
            "[tool.cibuildwheel]\ntest-command = \"pytest\"\nbefore-build = \"make\"\n"
            "[[tool.cibuildwheel.overrides]]\nselect = \"cp311-*\"\nbefore-build = \"make old\"\n");
        PythonProject project = load_project(dir.path(), {});
        CHECK(project.config.test_command == "python3 -m p.selftest");
        CHECK(project.config.before_build == "make");
        REQUIRE(project.config.notes.size() == 1);
        CHECK(contains(project.config.notes[0],
                       "[tool.xbuild] wins (over cibuildwheel's test-command); taken "
                       "from cibuildwheel: before-build"));
        CHECK(project.config_for("cp311-manylinux_x86_64").before_build == "make old");
        CHECK(project.config_for("cp313-manylinux_x86_64").before_build == "make");
        const std::vector<WheelTarget> targets = plan_targets(project.config, false);
        std::vector<WheelConfig> configs;
        for (const auto& target : targets) configs.push_back(project.config_for(target.build_id()));
        const std::string report = format_config(project, targets, configs);
        CHECK(contains(report, "[tool.xbuild] test-command"));
        CHECK(contains(report, "cp311-manylinux_" + std::string(host_arch().uname) + ":\n  before-build"));
        for (size_t i = 0; i < targets.size(); ++i)
            CHECK(configs[i].before_build == (targets[i].python == "3.11" ? "make old" : "make"));
    }

    TEST_CASE("index-url: [tool.xbuild] < PIP_INDEX_URL < --index-url, each checked") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-index-test-");
        fs::write_file_atomic(dir.path() / "pyproject.toml",
                              "[build-system]\nrequires = [\"setuptools>=77\"]\n[project]\nname = \"p\"\n"
                              "[tool.xbuild]\nindex-url = \"https://pypi.internal/simple\"\n");
        ::unsetenv("PIP_INDEX_URL");
        PythonProject project = load_project(dir.path(), {});
        CHECK(project.config.index_url == "https://pypi.internal/simple");
        ::setenv("PIP_INDEX_URL", "http://127.0.0.1:8080/simple", 1);
        project = load_project(dir.path(), {});
        CHECK(project.config.index_url == "http://127.0.0.1:8080/simple");
        CHECK(project.config.sources.at("index-url") == "PIP_INDEX_URL");
        project = load_project(dir.path(), {{}, {}, "", "https://mirror.example/simple/"});
        CHECK(project.config.index_url == "https://mirror.example/simple/");
        CHECK_THROWS_WITH_AS(
            load_project(dir.path(), {{}, {}, "", "file:///etc"}),
            "--index-url: 'file:///etc' is not an index URL (http:// or https://, as pip's --index-url)",
            Error);
        ::setenv("PIP_INDEX_URL", "not a url", 1);
        CHECK_THROWS_WITH_AS(load_project(dir.path(), {}), doctest::Contains("PIP_INDEX_URL: 'not a url'"),
                             Error);
        ::unsetenv("PIP_INDEX_URL");
        fs::write_file_atomic(
            dir.path() / "pyproject.toml",
            "[build-system]\nrequires = []\n[project]\nname = \"p\"\n[tool.xbuild]\nindex-url = 3\n");
        CHECK_THROWS_WITH_AS(load_project(dir.path(), {}), doctest::Contains("[tool.xbuild] index-url"),
                             Error);
    }
}
