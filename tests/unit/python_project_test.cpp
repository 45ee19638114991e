#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "python/project.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

using xbuild::test::contains;

using Strings = std::vector<std::string>;

// Sets (or unsets) an environment variable for the scope and restores the previous state.
class EnvVar {
  public:
    EnvVar(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name)) m_old = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;
    ~EnvVar() {
        if (m_old)
            ::setenv(m_name.c_str(), m_old->c_str(), 1);
        else
            ::unsetenv(m_name.c_str());
    }

  private:
    std::string m_name;
    std::optional<std::string> m_old;
};

// Clears every XBUILD_* setting load_project reads, so the caller's environment cannot leak in.
struct CleanEnvironment {
    EnvVar archs{"XBUILD_ARCHS", nullptr};
    EnvVar python{"XBUILD_PYTHON", nullptr};
    EnvVar build_packages{"XBUILD_BUILD_PACKAGES", nullptr};
    EnvVar test_command{"XBUILD_TEST_COMMAND", nullptr};
    EnvVar test_requires{"XBUILD_TEST_REQUIRES", nullptr};
    EnvVar before_build{"XBUILD_BEFORE_BUILD", nullptr};
    EnvVar environment{"XBUILD_ENVIRONMENT", nullptr};
    EnvVar skip{"XBUILD_SKIP", nullptr};
};

class Project {
  public:
    Project() : m_dir(stdfs::temp_directory_path(), "xbuild-project-test-") {}
    const stdfs::path& dir() const { return m_dir.path(); }
    stdfs::path pyproject() const { return dir() / "pyproject.toml"; }
    void write(const std::string& name, const std::string& content) const {
        fs::write_file_atomic(dir() / name, content);
    }
    PythonProject load(const WheelOverrides& overrides = {}) const { return load_project(dir(), overrides); }

  private:
    fs::TempDir m_dir;
};

const std::string k_build_system =
    "[build-system]\nrequires = [\"setuptools>=61\", \"pybind11>=2.10\"]\n"
    "build-backend = \"setuptools.build_meta\"\n";

}  // namespace

TEST_SUITE("python project") {
    TEST_CASE("[build-system] requires and build-backend are read") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", k_build_system + "[project]\nname = \"wordfreq\"\n");
        PythonProject loaded = project.load();
        CHECK(loaded.build_requires == Strings{"setuptools>=61", "pybind11>=2.10"});
        CHECK(loaded.build_backend == "setuptools.build_meta");
        CHECK(loaded.name == "wordfreq");
        CHECK(loaded.dir == project.dir());
        CHECK(loaded.origin == project.dir());
        // Nothing configured: every setting is empty.
        CHECK(loaded.config.archs.empty());
        CHECK(loaded.config.pythons.empty());
        CHECK(loaded.config.build_packages.empty());
        CHECK(loaded.config.test_command.empty());
        CHECK(loaded.config.test_requires.empty());
        CHECK(loaded.config.before_build.empty());
        CHECK(loaded.config.environment.empty());
        CHECK(loaded.config.skip.empty());
        CHECK(loaded.config.requirement_packages.empty());
    }

    TEST_CASE("[build-system] without build-backend keeps the legacy backend") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", "[build-system]\nrequires = [\"setuptools\", \"cython\"]\n");
        PythonProject loaded = project.load();
        CHECK(loaded.build_requires == Strings{"setuptools", "cython"});
        CHECK(loaded.build_backend == "setuptools.build_meta:__legacy__");
    }

    TEST_CASE("setup.py without [build-system] gets PEP 517's legacy defaults") {
        CleanEnvironment clean;
        SUBCASE("no pyproject.toml at all") {
            Project project;
            project.write("setup.py", "from setuptools import setup\nsetup()\n");
            PythonProject loaded = project.load();
            CHECK(loaded.build_requires == Strings{"setuptools>=40.8.0", "wheel"});
            CHECK(loaded.build_backend == "setuptools.build_meta:__legacy__");
        }
        SUBCASE("a pyproject.toml with only [tool.xbuild]") {
            Project project;
            project.write("setup.py", "from setuptools import setup\nsetup()\n");
            project.write("pyproject.toml", "[tool.xbuild]\narchs = [\"arm64\"]\n");
            PythonProject loaded = project.load();
            CHECK(loaded.build_requires == Strings{"setuptools>=40.8.0", "wheel"});
            CHECK(loaded.build_backend == "setuptools.build_meta:__legacy__");
            CHECK(loaded.config.archs == Strings{"arm64"});
        }
    }

    TEST_CASE("a directory that is not a Python project is an error naming it") {
        CleanEnvironment clean;
        Project project;
        project.write("README", "not python\n");
        CHECK_THROWS_WITH_AS(
            project.load(),
            contains(project.dir().string() + ": no pyproject.toml or setup.py (not a Python project)"),
            Error);
    }

    TEST_CASE("pyproject.toml without [build-system] and without setup.py is an error naming the file") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", "[project]\nname = \"x\"\n");
        CHECK_THROWS_WITH_AS(
            project.load(),
            contains(project.pyproject().string() + ": no [build-system] table and no setup.py"), Error);
    }

    TEST_CASE("[tool.xbuild] keys as arrays") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", k_build_system + R"(
[tool.xbuild]
archs = ["x86_64", "arm64"]
python = ["3.11", "3.13"]
build-packages = ["libyaml-dev", "zlib1g-dev"]
test-command = "python3 -m mypkg.selftest"
test-requires = ["libgomp1"]
before-build = "make -C vendor"
environment = { MYPKG_WITH_C = "1", CFLAGS = "-O2 -g" }
skip = ["cp311-*", "*_aarch64"]

[tool.xbuild.requirement-packages]
frobnicate = ["python3-frobnicate"]
Weird_Name = "python3-weird, weird-tools"
)");
        const WheelConfig config = project.load().config;
        CHECK(config.archs == Strings{"x86_64", "arm64"});
        CHECK(config.pythons == Strings{"3.11", "3.13"});
        CHECK(config.build_packages == Strings{"libyaml-dev", "zlib1g-dev"});
        CHECK(config.test_command == "python3 -m mypkg.selftest");
        CHECK(config.test_requires == Strings{"libgomp1"});
        CHECK(config.before_build == "make -C vendor");
        // toml++ keeps table keys sorted; values are kept whole (spaces included).
        CHECK(config.environment == Strings{"CFLAGS=-O2 -g", "MYPKG_WITH_C=1"});
        CHECK(config.skip == Strings{"cp311-*", "*_aarch64"});
        REQUIRE(config.requirement_packages.size() == 2);
        CHECK(config.requirement_packages.at("frobnicate") == Strings{"python3-frobnicate"});
        CHECK(config.requirement_packages.at("Weird_Name") == Strings{"python3-weird", "weird-tools"});
    }

    TEST_CASE("[tool.xbuild] list keys also take comma- or space-separated strings") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", k_build_system + R"(
[tool.xbuild]
archs = "x86_64,arm64"
python = "3.9 3.13"
build-packages = "libyaml-dev, zlib1g-dev"
test-requires = "libgomp1"
skip = "cp39-* *-x86_64"
)");
        const WheelConfig config = project.load().config;
        CHECK(config.archs == Strings{"x86_64", "arm64"});
        CHECK(config.pythons == Strings{"3.9", "3.13"});
        CHECK(config.build_packages == Strings{"libyaml-dev", "zlib1g-dev"});
        CHECK(config.test_requires == Strings{"libgomp1"});
        CHECK(config.skip == Strings{"cp39-*", "*-x86_64"});
    }

    TEST_CASE("sections of other commands are accepted and ignored") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", k_build_system + R"(
[tool.xbuild]
archs = ["arm64"]
[tool.xbuild.prebuild]
anything = 1
[tool.xbuild.image]
tag = "x"
)");
        CHECK(project.load().config.archs == Strings{"arm64"});
    }

    TEST_CASE("[tool.xbuild.cache] registry names the registry cache") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml",
                      k_build_system + "[tool.xbuild.cache]\nregistry = \"registry.internal/team/cache\"\n");
        CHECK(project.load().config.cache_registry == "registry.internal/team/cache");
        project.write("pyproject.toml", k_build_system + "[tool.xbuild.cache]\nrepo = \"x\"\n");
        CHECK_THROWS_WITH_AS(project.load(),
                             contains(project.pyproject().string() +
                                      ": [tool.xbuild] cache.repo: unknown key (known: registry)"),
                             Error);
        project.write("pyproject.toml", k_build_system + "[tool.xbuild]\ncache = \"x\"\n");
        CHECK_THROWS_WITH_AS(project.load(), contains(": [tool.xbuild] cache: must be a table"), Error);
    }

    TEST_CASE("exclude: project paths, relative and inside the project") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml",
                      k_build_system + "[tool.xbuild]\nexclude = [\"build\", \"out/logs\"]\n");
        CHECK(project.load().config.exclude == Strings{"build", "out/logs"});
        const std::string file = project.pyproject().string();
        for (const char* bad : {"/etc", "../sibling", "a/../../b", ""}) {
            CAPTURE(bad);
            project.write("pyproject.toml",
                          k_build_system + "[tool.xbuild]\nexclude = [\"" + std::string(bad) + "\"]\n");
            CHECK_THROWS_WITH_AS(project.load(),
                                 contains(file + ": [tool.xbuild] exclude: '" + std::string(bad) +
                                          "' is not a path inside the project"),
                                 Error);
        }
    }

    TEST_CASE("an unknown [tool.xbuild] key is an error naming the file and the key") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", k_build_system + "[tool.xbuild]\narches = [\"arm64\"]\n");
        CHECK_THROWS_WITH_AS(project.load(),
                             contains(project.pyproject().string() +
                                      ": [tool.xbuild] arches: unknown key (known: archs, python,"),
                             Error);
    }

    TEST_CASE("a [tool.xbuild] value of the wrong type is an error naming the file and the key") {
        CleanEnvironment clean;
        Project project;
        const std::string file = project.pyproject().string();
        SUBCASE("a number for a list") {
            project.write("pyproject.toml", k_build_system + "[tool.xbuild]\narchs = 3\n");
            CHECK_THROWS_WITH_AS(
                project.load(),
                contains(file + ": [tool.xbuild] archs: must be a string or an array of strings"), Error);
        }
        SUBCASE("an array holding a number") {
            project.write("pyproject.toml", k_build_system + "[tool.xbuild]\npython = [\"3.13\", 3.11]\n");
            CHECK_THROWS_WITH_AS(project.load(),
                                 contains(file + ": [tool.xbuild] python: must be an array of strings"),
                                 Error);
        }
        SUBCASE("an array for a string") {
            project.write("pyproject.toml", k_build_system + "[tool.xbuild]\ntest-command = [\"pytest\"]\n");
            CHECK_THROWS_WITH_AS(project.load(),
                                 contains(file + ": [tool.xbuild] test-command: must be a string"), Error);
        }
        SUBCASE("a boolean for before-build") {
            project.write("pyproject.toml", k_build_system + "[tool.xbuild]\nbefore-build = true\n");
            CHECK_THROWS_WITH_AS(project.load(),
                                 contains(file + ": [tool.xbuild] before-build: must be a string"), Error);
        }
        SUBCASE("a string for the environment table") {
            project.write("pyproject.toml", k_build_system + "[tool.xbuild]\nenvironment = \"A=1\"\n");
            CHECK_THROWS_WITH_AS(project.load(),
                                 contains(file + ": [tool.xbuild] environment: must be a table of strings"),
                                 Error);
        }
        SUBCASE("a number inside the environment table names the variable") {
            project.write("pyproject.toml", k_build_system + "[tool.xbuild]\nenvironment = { JOBS = 4 }\n");
            CHECK_THROWS_WITH_AS(
                project.load(), contains(file + ": [tool.xbuild] environment.JOBS: must be a string"), Error);
        }
        SUBCASE("a number inside requirement-packages names the requirement") {
            project.write("pyproject.toml",
                          k_build_system + "[tool.xbuild.requirement-packages]\nfrobnicate = 1\n");
            CHECK_THROWS_WITH_AS(
                project.load(),
                contains(file + ": [tool.xbuild] requirement-packages.frobnicate: must be a string "
                                "or an array of strings"),
                Error);
        }
        SUBCASE("a [build-system] requires of the wrong type") {
            project.write("pyproject.toml", "[build-system]\nrequires = 42\n");
            CHECK_THROWS_WITH_AS(
                project.load(),
                contains(file + ": [build-system] requires: must be a string or an array of strings"), Error);
        }
        SUBCASE("a [build-system] build-backend of the wrong type") {
            project.write("pyproject.toml", "[build-system]\nrequires = []\nbuild-backend = 1\n");
            CHECK_THROWS_WITH_AS(project.load(),
                                 contains(file + ": [build-system] build-backend: must be a string"), Error);
        }
    }

    TEST_CASE("a TOML syntax error names the file and the line") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", "[project]\nname = \"x\"\nversion = = \"1\"\n");
        CHECK_THROWS_WITH_AS(project.load(), contains(project.pyproject().string() + ":3: "), Error);
    }

    TEST_CASE("the project name: [project].name, else setup.cfg [metadata], else the directory") {
        CleanEnvironment clean;
        SUBCASE("[project].name wins over setup.cfg") {
            Project project;
            project.write("pyproject.toml", k_build_system + "[project]\nname = \"from-pyproject\"\n");
            project.write("setup.cfg", "[metadata]\nname = from-cfg\n");
            CHECK(project.load().name == "from-pyproject");
        }
        SUBCASE("setup.cfg's [metadata] name, not another section's") {
            Project project;
            project.write("setup.py", "from setuptools import setup\nsetup()\n");
            project.write("setup.cfg",
                          "[options]\nname = wrong\n\n[metadata]\nversion = 1.0\nname =  PyYAML-cfg \r\n"
                          "[other]\nname = wrong-too\n");
            CHECK(project.load().name == "PyYAML-cfg");
        }
        SUBCASE("setup.cfg without [metadata] name falls back to the directory") {
            Project project;
            project.write("setup.py", "from setuptools import setup\nsetup()\n");
            project.write("setup.cfg", "[options]\nname = wrong\n");
            CHECK(project.load().name == project.dir().filename().string());
        }
        SUBCASE("the directory's name, also when it is given with a trailing slash") {
            Project project;
            project.write("setup.py", "from setuptools import setup\nsetup()\n");
            const std::string expected = project.dir().filename().string();
            REQUIRE(expected.rfind("xbuild-project-test-", 0) == 0);
            CHECK(load_project(project.dir(), {}).name == expected);
            CHECK(load_project(project.dir().string() + "/", {}).name == expected);
        }
    }

    TEST_CASE("the project name is checked (PEP 508) and normalized (PEP 503) before it makes a path") {
        CleanEnvironment clean;
        CHECK(is_valid_project_name("PyYAML"));
        CHECK(is_valid_project_name("a"));
        CHECK(is_valid_project_name("my_pkg.sub-2"));
        for (const char* bad : {"", ".", "..", "../x", "a/b", "-a", "a-", "a b", "a\nb", "caf\xc3\xa9", "_x"})
            CHECK_MESSAGE(!is_valid_project_name(bad), bad);
        SUBCASE("normalized") {
            Project project;
            project.write("pyproject.toml", k_build_system + "[project]\nname = \"My__Pkg.-Sub\"\n");
            auto loaded = project.load();
            CHECK(loaded.name == "My__Pkg.-Sub");
            CHECK(loaded.normalized_name == "my-pkg-sub");
        }
        SUBCASE("pyproject.toml's name") {
            Project project;
            project.write("pyproject.toml", k_build_system + "[project]\nname = \"../../../../tmp/x\"\n");
            CHECK_THROWS_WITH_AS(
                project.load(),
                contains(project.pyproject().string() +
                         ": [project] name '../../../../tmp/x' is not a valid Python project name"),
                Error);
        }
        SUBCASE("a name that is not a string") {
            Project project;
            project.write("pyproject.toml", k_build_system + "[project]\nname = 3\n");
            CHECK_THROWS_WITH_AS(project.load(), contains("[project] name"), Error);
        }
        SUBCASE("setup.cfg's name") {
            Project project;
            project.write("setup.py", "from setuptools import setup\nsetup()\n");
            project.write("setup.cfg", "[metadata]\nname = ../x\n");
            CHECK_THROWS_WITH_AS(project.load(),
                                 contains((project.dir() / "setup.cfg").string() +
                                          ": [metadata] name '../x' is not a valid Python project name"),
                                 Error);
        }
        SUBCASE("a control character is shown escaped, on one line") {
            Project project;
            project.write("pyproject.toml", k_build_system + "[project]\nname = \"a\\nb\"\n");
            CHECK_THROWS_WITH_AS(project.load(), contains("'a\\x0ab'"), Error);
        }
    }

    TEST_CASE("Debian package names are checked when the project is loaded") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml",
                      k_build_system + "[tool.xbuild]\nbuild-packages = [\"libyaml-dev\", \"../x\"]\n");
        CHECK_THROWS_WITH_AS(project.load(),
                             contains(project.pyproject().string() +
                                      ": [tool.xbuild] build-packages: invalid package name '../x'"),
                             Error);
        project.write("pyproject.toml", k_build_system + "[tool.xbuild]\ntest-requires = \"libgomp1 x;y\"\n");
        CHECK_THROWS_WITH_AS(project.load(),
                             contains("[tool.xbuild] test-requires: invalid package name 'x;y'"), Error);
        project.write("pyproject.toml", k_build_system);
        EnvVar packages("XBUILD_BUILD_PACKAGES", "libyaml-dev,-rf");
        CHECK_THROWS_WITH_AS(project.load(), contains("XBUILD_BUILD_PACKAGES: invalid package name '-rf'"),
                             Error);
    }

    TEST_CASE("precedence: config < command line < XBUILD_* environment") {
        CleanEnvironment clean;
        Project project;
        project.write("pyproject.toml", k_build_system + R"(
[tool.xbuild]
archs = ["x86_64"]
python = ["3.11"]
build-packages = ["libyaml-dev"]
test-command = "python3 -c pass"
test-requires = ["libgomp1"]
before-build = "true"
environment = { FROM_CONFIG = "1" }
skip = ["cp311-*"]
)");
        const WheelOverrides command_line{{"arm64", "riscv64"}, {"3.13"}};

        SUBCASE("the config alone") {
            const WheelConfig config = project.load().config;
            CHECK(config.archs == Strings{"x86_64"});
            CHECK(config.pythons == Strings{"3.11"});
            CHECK(config.environment == Strings{"FROM_CONFIG=1"});
        }
        SUBCASE("the command line over the config") {
            const WheelConfig config = project.load(command_line).config;
            CHECK(config.archs == Strings{"arm64", "riscv64"});
            CHECK(config.pythons == Strings{"3.13"});
            CHECK(config.build_packages == Strings{"libyaml-dev"});  // not on the command line
        }
        SUBCASE("empty overrides keep the config") {
            const WheelConfig config = project.load(WheelOverrides{{}, {"3.9"}}).config;
            CHECK(config.archs == Strings{"x86_64"});
            CHECK(config.pythons == Strings{"3.9"});
        }
        SUBCASE("the environment over the command line and the config") {
            EnvVar archs("XBUILD_ARCHS", "armhf,i386");
            EnvVar python("XBUILD_PYTHON", "3.9");
            EnvVar build_packages("XBUILD_BUILD_PACKAGES", "libfoo-dev libbar-dev");
            EnvVar test_command("XBUILD_TEST_COMMAND", "python3 -m pytest -x");
            EnvVar test_requires("XBUILD_TEST_REQUIRES", "python3-pytest");
            EnvVar before_build("XBUILD_BEFORE_BUILD", "make vendor");
            EnvVar environment("XBUILD_ENVIRONMENT", "PYYAML_FORCE_CYTHON=1 PYYAML_FORCE_LIBYAML=1");
            EnvVar skip("XBUILD_SKIP", "*-i686");
            const WheelConfig config = project.load(command_line).config;
            CHECK(config.archs == Strings{"armhf", "i386"});
            CHECK(config.pythons == Strings{"3.9"});
            CHECK(config.build_packages == Strings{"libfoo-dev", "libbar-dev"});
            CHECK(config.test_command == "python3 -m pytest -x");  // kept whole, not split
            CHECK(config.test_requires == Strings{"python3-pytest"});
            CHECK(config.before_build == "make vendor");
            CHECK(config.environment == Strings{"PYYAML_FORCE_CYTHON=1", "PYYAML_FORCE_LIBYAML=1"});
            CHECK(config.skip == Strings{"*-i686"});
        }
        SUBCASE("an empty environment variable empties the setting") {
            EnvVar skip("XBUILD_SKIP", "");
            EnvVar archs("XBUILD_ARCHS", "");
            const WheelConfig config = project.load(command_line).config;
            CHECK(config.skip.empty());
            CHECK(config.archs.empty());
            CHECK(config.pythons == Strings{"3.13"});
        }
        SUBCASE("XBUILD_ENVIRONMENT items must be KEY=VALUE") {
            EnvVar environment("XBUILD_ENVIRONMENT", "A=1 JUSTANAME");
            CHECK_THROWS_WITH_AS(project.load(), contains("XBUILD_ENVIRONMENT: 'JUSTANAME' is not KEY=VALUE"),
                                 Error);
        }
    }
}
