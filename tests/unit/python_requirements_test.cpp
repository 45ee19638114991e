#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "python/requirements.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;

namespace {

using xbuild::test::contains;

using Strings = std::vector<std::string>;
using Map = std::map<std::string, Strings>;

const MarkerEnvironment k_py313_arm64{"3.13", "aarch64"};
const MarkerEnvironment k_py39_x86_64{"3.9", "x86_64"};
const MarkerEnvironment k_py311_x86_64{"3.11", "x86_64"};

bool eval(const std::string& marker, const MarkerEnvironment& env = k_py313_arm64) {
    return evaluate_marker(marker, env);
}

}  // namespace

TEST_SUITE("python requirements") {
    TEST_CASE("parse_requirement: names, extras, versions and markers") {
        Requirement plain = parse_requirement("setuptools");
        CHECK(plain.name == "setuptools");
        CHECK(plain.marker == "");

        Requirement versioned = parse_requirement("  setuptools>=61,<70");
        CHECK(versioned.name == "setuptools");
        CHECK(versioned.specifier == ">=61,<70");
        CHECK(versioned.marker == "");
        CHECK(parse_requirement("cython (>=3.0, <4)").specifier == ">=3.0, <4");

        Requirement extras = parse_requirement("pybind11[global] >= 2.10");
        CHECK(extras.name == "pybind11");
        CHECK(extras.specifier == ">= 2.10");
        CHECK(extras.marker == "");

        Requirement marked = parse_requirement("numpy>=2.0; python_version >= \"3.13\"  ");
        CHECK(marked.name == "numpy");
        CHECK(marked.specifier == ">=2.0");
        CHECK(marked.marker == "python_version >= \"3.13\"");

        Requirement both =
            parse_requirement("scikit-build-core[pyproject]~=0.10 ;platform_machine=='x86_64'");
        CHECK(both.name == "scikit-build-core");
        CHECK(both.marker == "platform_machine=='x86_64'");

        Requirement url = parse_requirement("wheel @ https://example.invalid/wheel-0.42-py3-none-any.whl");
        CHECK(url.name == "wheel");
        CHECK(url.specifier == "");
        CHECK(plain.specifier == "");
    }

    TEST_CASE("parse_requirement normalizes names (PEP 503)") {
        CHECK(parse_requirement("Cython").name == "cython");
        CHECK(parse_requirement("Cython>=3.0").name == "cython");
        CHECK(parse_requirement("setuptools_scm[toml]>=8").name == "setuptools-scm");
        CHECK(parse_requirement("Scikit_Build.Core").name == "scikit-build-core");
        CHECK(parse_requirement("zope.interface").name == "zope-interface");
        CHECK(parse_requirement("a__-._b").name == "a-b");
    }

    TEST_CASE("parse_requirement refuses a string without a name") {
        CHECK_THROWS_WITH_AS(parse_requirement(">=1.0"),
                             contains("invalid requirement '>=1.0': no project name"), Error);
        CHECK_THROWS_WITH_AS(parse_requirement(""), contains("invalid requirement '': no project name"),
                             Error);
        CHECK_THROWS_WITH_AS(parse_requirement("   ; python_version < '3'"), contains("no project name"),
                             Error);
    }

    TEST_CASE("an empty marker is true") {
        CHECK(eval(""));
    }

    TEST_CASE("python_version comparisons, with the variable on either side") {
        // 3.13 against 3.12: numeric per part (3.9 < 3.13, not as text).
        CHECK(eval("python_version >= \"3.12\""));
        CHECK_FALSE(eval("python_version < \"3.12\""));
        CHECK(eval("python_version > '3.9'"));
        CHECK(eval("python_version == '3.13'"));
        CHECK_FALSE(eval("python_version != '3.13'"));
        CHECK(eval("python_version <= '3.13'"));
        CHECK_FALSE(eval("python_version > '3.13'"));
        // Reversed operands.
        CHECK(eval("'3.12' < python_version"));
        CHECK_FALSE(eval("'3.12' >= python_version"));
        CHECK(eval("\"3.14\" > python_version"));
        // 3.9 is older than 3.10 (text comparison would say otherwise).
        CHECK(eval("python_version < '3.10'", k_py39_x86_64));
        CHECK_FALSE(eval("python_version >= '3.10'", k_py39_x86_64));
        // Missing parts count as 0: 3.13 == 3.13.0.
        CHECK(eval("python_version == '3.13.0'"));
        CHECK(eval("python_full_version >= '3.13.0'"));
        CHECK_FALSE(eval("python_full_version >= '3.13.1'"));
    }

    TEST_CASE("~= is the compatible-release operator") {
        CHECK(eval("python_version ~= '3.11'"));  // >= 3.11, == 3.*
        CHECK(eval("python_version ~= '3.11'", k_py311_x86_64));
        CHECK_FALSE(eval("python_version ~= '3.11'", k_py39_x86_64));
        CHECK(eval("python_full_version ~= '3.13.0'"));        // >= 3.13.0, == 3.13.*
        CHECK_FALSE(eval("python_full_version ~= '3.11.0'"));  // 3.13.0 is not 3.11.*
    }

    TEST_CASE("string variables") {
        CHECK(eval("platform_machine == 'aarch64'"));
        CHECK_FALSE(eval("platform_machine == 'aarch64'", k_py39_x86_64));
        CHECK(eval("platform_machine != 'x86_64'"));
        CHECK(eval("sys_platform == 'linux'"));
        CHECK(eval("os_name == 'posix'"));
        CHECK(eval("platform_system == 'Linux'"));
        CHECK_FALSE(eval("platform_system == 'Windows'"));
        CHECK(eval("implementation_name == 'cpython'"));
        CHECK(eval("platform_python_implementation == 'CPython'"));
        CHECK(eval("platform_python_implementation === 'CPython'"));
    }

    TEST_CASE("'in' and 'not in'") {
        CHECK(eval("platform_machine in 'x86_64 aarch64'"));
        CHECK_FALSE(eval("platform_machine in 'x86_64 i686'"));
        CHECK(eval("platform_machine not in 'x86_64 i686'"));
        CHECK_FALSE(eval("platform_machine not in 'armv7l aarch64'"));
        CHECK(eval("'linux' in sys_platform"));
        CHECK(eval("'win' not in sys_platform"));
    }

    TEST_CASE("and, or and parentheses; 'and' binds tighter than 'or'") {
        CHECK(eval("python_version >= '3.11' and platform_machine == 'aarch64'"));
        CHECK_FALSE(eval("python_version >= '3.11' and platform_machine == 'x86_64'"));
        CHECK(eval("python_version < '3.10' or platform_machine == 'aarch64'"));
        CHECK_FALSE(eval("python_version < '3.10' or platform_machine == 'x86_64'"));
        // true or (false and false) = true; (true or false) and false = false.
        CHECK(eval("sys_platform == 'linux' or os_name == 'nt' and platform_machine == 'x86_64'"));
        CHECK_FALSE(eval("(sys_platform == 'linux' or os_name == 'nt') and platform_machine == 'x86_64'"));
        CHECK(
            eval("( python_version < '3.10' or ( platform_machine == 'aarch64' and os_name == 'posix' ) )"));
        CHECK_FALSE(eval("(python_version<'3.10'or(platform_machine=='aarch64'and os_name=='nt'))"));
    }

    TEST_CASE("unsupported or malformed markers are errors naming the marker") {
        CHECK_THROWS_WITH_AS(
            eval("platform_release >= '5.10'"),
            contains("cannot evaluate marker 'platform_release >= '5.10'': unsupported variable "
                     "'platform_release' at column 1"),
            Error);
        CHECK_THROWS_WITH_AS(eval("python_version >= '3.9' and extra == 'test'"),
                             contains("unsupported variable 'extra' at column 29"), Error);
        CHECK_THROWS_WITH_AS(eval("(python_version >= '3.9'"), contains("missing ')'"), Error);
        CHECK_THROWS_WITH_AS(eval("python_version >= '3.9"), contains("unterminated string"), Error);
        CHECK_THROWS_WITH_AS(eval("python_version '3.9'"), contains("expected a comparison"), Error);
        CHECK_THROWS_WITH_AS(eval("python_version not '3.9'"), contains("expected 'in' after 'not'"), Error);
        CHECK_THROWS_WITH_AS(eval("python_version == '3.13' xor os_name == 'posix'"),
                             contains("unexpected text"), Error);
        CHECK_THROWS_WITH_AS(eval("python_version >= "), contains("expected a value"), Error);
        CHECK_THROWS_WITH_AS(eval("platform_machine < 'x86_64'"),
                             contains("'<' needs versions on both sides"), Error);
    }

    TEST_CASE("debian_packages_for maps requirements through recipes/python.toml") {
        auto packages = debian_packages_for({"setuptools>=61", "wheel", "Cython>=3.0", "pybind11[global]"},
                                            k_py313_arm64, "arm64", {}, "proj/pyproject.toml");
        // Sorted and unique.
        CHECK(packages ==
              Strings{"cython3", "pybind11-dev", "python3-pybind11", "python3-setuptools", "python3-wheel"});
        CHECK(debian_packages_for({"setuptools_scm[toml]>=8", "meson-python", "ninja"}, k_py313_arm64,
                                  "arm64", {}, "p") ==
              Strings{"meson", "ninja-build", "python3-mesonpy", "python3-setuptools-scm"});
        CHECK(debian_packages_for({}, k_py313_arm64, "arm64", {}, "p").empty());
    }

    TEST_CASE("markers skip requirements that do not apply to the target") {
        const Strings requires_list{"setuptools", "numpy>=2; python_version >= '3.12'",
                                    "cffi; platform_machine == 'x86_64'",
                                    "frobnicate; python_version < '3.10'"};
        CHECK(debian_packages_for(requires_list, k_py313_arm64, "arm64", {}, "p") ==
              Strings{"python3-numpy", "python3-setuptools"});
        CHECK(debian_packages_for(requires_list, k_py311_x86_64, "amd64", {}, "p") ==
              Strings{"python3-cffi", "python3-setuptools"});
        // 3.9 applies "frobnicate", which nothing maps.
        CHECK_THROWS_WITH_AS(debian_packages_for(requires_list, k_py39_x86_64, "amd64", {}, "p"),
                             contains("build requirement 'frobnicate; python_version < '3.10''"), Error);
    }

    TEST_CASE("project mappings win over the recipe and may use {target} and {python}") {
        const Map project_map{{"Cython", {"cython3-custom"}},
                              {"frobnicate", {"libfrob-dev:{target}", "python{python}-frob"}},
                              {"empty", {}}};
        CHECK(debian_packages_for({"cython", "frobnicate>=1", "setuptools"}, k_py313_arm64, "arm64",
                                  project_map, "p") ==
              Strings{"cython3-custom", "libfrob-dev:arm64", "python3-setuptools", "python3.13-frob"});
        CHECK(debian_packages_for({"frobnicate"}, k_py311_x86_64, "amd64", project_map, "p") ==
              Strings{"libfrob-dev:amd64", "python3.11-frob"});
        // A project entry with no packages maps the requirement to nothing (it is provided otherwise).
        CHECK(debian_packages_for({"empty"}, k_py313_arm64, "arm64", project_map, "p").empty());
        // Project keys are normalized too.
        CHECK(debian_packages_for({"setuptools-scm"}, k_py313_arm64, "arm64",
                                  Map{{"SetupTools_SCM", {"my-scm"}}}, "p") == Strings{"my-scm"});
    }

    TEST_CASE("an unmapped requirement is an error naming it, the file and the config table") {
        CHECK_THROWS_WITH_AS(
            debian_packages_for({"setuptools", "Frob_Nicate>=2"}, k_py313_arm64, "arm64", {},
                                "/src/proj/pyproject.toml"),
            contains("/src/proj/pyproject.toml: build requirement 'Frob_Nicate>=2' has no Debian "
                     "package mapping (PyPI is not used); add it to [tool.xbuild.requirement-packages], "
                     "e.g. frob-nicate = [\"python3-frob-nicate\"]"),
            Error);
    }

    TEST_CASE("an unsupported marker in a requirement is an error") {
        CHECK_THROWS_WITH_AS(
            debian_packages_for({"setuptools; platform_version > '1'"}, k_py313_arm64, "arm64", {}, "p"),
            contains("unsupported variable 'platform_version'"), Error);
    }

    TEST_CASE("debian_upstream_version drops the epoch and the Debian revision") {
        CHECK(debian_upstream_version("52.0.0-4") == "52.0.0");
        CHECK(debian_upstream_version("1:2.13.6+dfsg-1+b1") == "2.13.6+dfsg");
        CHECK(debian_upstream_version("75.8.0") == "75.8.0");
    }

    TEST_CASE("pins the suite's packages do not satisfy are one error naming the pin and the version") {
        const std::map<std::string, std::string> bullseye{
            {"python3-setuptools", "52.0.0-4"}, {"python3-pybind11", "2.6.2-1"}, {"cython3", "0.29.21-3+b1"}};
        // Satisfied pins, unpinned requirements and requirements for other Pythons pass.
        CHECK_NOTHROW(
            check_requirement_pins({"setuptools>=40", "pybind11", "cython>=0.29; python_version>='3.9'",
                                    "setuptools>=61; python_version>='3.11'"},
                                   k_py39_x86_64, {}, bullseye, "bullseye", "p"));
        // A package the stage does not list is not judged.
        CHECK_NOTHROW(check_requirement_pins({"numpy>=2"}, k_py39_x86_64, {}, bullseye, "bullseye", "p"));
        CHECK_THROWS_WITH_AS(
            check_requirement_pins({"pybind11>=2.6", "setuptools>=61"}, k_py39_x86_64, {}, bullseye,
                                   "bullseye", "/src/p/pyproject.toml"),
            contains(
                "/src/p/pyproject.toml: [build-system] requires 'setuptools>=61', but bullseye serves "
                "setuptools 52.0.0 (Debian python3-setuptools 52.0.0-4) for Python 3.9; lower the pin, or "
                "leave Python 3.9 out (--python, requires-python)"),
            Error);
        CHECK_THROWS_WITH_AS(
            check_requirement_pins({"Cython~=3.0"}, k_py39_x86_64, {}, bullseye, "bullseye", "p"),
            contains("requires 'Cython~=3.0', but bullseye serves cython 0.29.21"), Error);
        // The project's own mapping decides which package is judged.
        CHECK_NOTHROW(check_requirement_pins({"setuptools>=61"}, k_py39_x86_64,
                                             {{"setuptools", {"my-tools"}}}, bullseye, "bullseye", "p"));
        // Placeholders of a mapping are expanded before the lookup.
        CHECK_THROWS_WITH_AS(
            check_requirement_pins({"frob>=2"}, k_py39_x86_64, {{"frob", {"python{python}-frob"}}},
                                   {{"python3.9-frob", "1.4-2"}}, "bullseye", "p"),
            contains("bullseye serves frob 1.4 (Debian python3.9-frob 1.4-2)"), Error);
        // A malformed pin is an error naming the file and the requirement.
        CHECK_THROWS_WITH_AS(
            check_requirement_pins({"setuptools>>61"}, k_py39_x86_64, {}, bullseye, "bullseye", "pp.toml"),
            contains("pp.toml: [build-system] requires 'setuptools>>61'"), Error);
    }
}
