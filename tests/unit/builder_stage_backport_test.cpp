#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/stage/backport.hpp"

using namespace xbuild;
using namespace xbuild::stage;

namespace {

CacheEntry entry(const std::string& key) {
    CacheEntry e;
    e.key = key;
    e.dir = "/cache/rootfs/" + key;
    e.root = "/cache/rootfs/" + key + "/root";
    return e;
}

BackportRequest request(std::vector<std::string> packages) {
    BackportRequest r;
    r.below = entry("0123456789abcdef01234567");
    r.below_description = "bullseye/amd64 toolchain";
    r.suite = "trixie";
    r.mirror = "http://mirror.example/debian";
    r.packages = std::move(packages);
    return r;
}

std::string error_of(const auto& call) {
    try {
        call();
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("stage backport") {
    TEST_CASE(
        "the key covers what sits below, the suite, the mirror, the packages (any order) and the files") {
        const auto key = backport_key(request({"python3-setuptools", "pybind11-dev"}));
        CHECK(key.size() == 24);
        CHECK(key == backport_key(request({"pybind11-dev", "python3-setuptools"})));
        auto other_below = request({"python3-setuptools", "pybind11-dev"});
        other_below.below = entry("fedcba9876543210fedcba98");
        CHECK(backport_key(other_below) != key);
        auto other_suite = request({"python3-setuptools", "pybind11-dev"});
        other_suite.suite = "forky";
        CHECK(backport_key(other_suite) != key);
        auto other_mirror = request({"python3-setuptools", "pybind11-dev"});
        other_mirror.mirror = "http://other.example/debian";
        CHECK(backport_key(other_mirror) != key);
        CHECK(backport_key(request({"python3-setuptools"})) != key);
        auto with_file = request({"python3-setuptools", "pybind11-dev"});
        with_file.files = {{"/usr/lib/python3.9/_distutils_system_mod.py", "x = 1\n"}};
        CHECK(backport_key(with_file) != key);
        auto changed_file = with_file;
        changed_file.files[0].second = "x = 2\n";
        CHECK(backport_key(changed_file) != backport_key(with_file));
    }

    TEST_CASE("the selection: what was asked for and the Python 3 libraries of Architecture: all") {
        const std::vector<InstalledPackage> extracted{
            {"libc6", "amd64", "2.41-12"},
            {"pybind11-dev", "all", "2.13.6-2"},
            {"python3", "amd64", "3.13.5-1"},
            {"python3-packaging", "all", "25.0-1"},
            {"python3-setuptools", "all", "78.1.1-0.1"},
            {"python3-tomli", "amd64", "2.2.1-2+b1"},
            {"python3.13", "amd64", "3.13.5-2"},
        };
        auto selected = backport_selection(extracted, {"pybind11-dev", "python3-setuptools", "python3-tomli"},
                                           "the layer");
        std::vector<std::string> names;
        for (const auto& package : selected) names.push_back(package.name + "=" + package.version);
        CHECK(names == std::vector<std::string>{"pybind11-dev=2.13.6-2", "python3-packaging=25.0-1",
                                                "python3-setuptools=78.1.1-0.1", "python3-tomli=2.2.1-2+b1"});
        CHECK(error_of([&] { backport_selection(extracted, {"python3-scikit-build-core"}, "the layer"); }) ==
              "the layer: python3-scikit-build-core was not among the packages the suite resolved");
    }

    TEST_CASE("an Architecture: all package gives every file but directories and documentation") {
        const std::string list =
            "./\n./usr/\n./usr/include/pybind11/\n./usr/include/pybind11/pybind11.h\n"
            "./usr/lib/cmake/pybind11/pybind11Config.cmake\n./usr/share/doc/pybind11-dev/copyright\n"
            "./usr/share/man/man1/pybind11-config.1.gz\n./usr/share/pkgconfig/pybind11.pc\n";
        CHECK(backport_files(list, {"pybind11-dev", "all", "2.13.6-2"}) ==
              std::vector<std::string>{"usr/include/pybind11/pybind11.h",
                                       "usr/lib/cmake/pybind11/pybind11Config.cmake",
                                       "usr/share/pkgconfig/pybind11.pc"});
    }

    TEST_CASE("a package built for an arch: its Python sources without their compiled copies") {
        const std::string tomli =
            "./usr/lib/python3/dist-packages/5703180c3dd46e872cf3__mypyc.cpython-313-x86_64-linux-gnu.so\n"
            "./usr/lib/python3/dist-packages/tomli/__init__.cpython-313-x86_64-linux-gnu.so\n"
            "./usr/lib/python3/dist-packages/tomli/__init__.py\n"
            "./usr/lib/python3/dist-packages/tomli/_parser.cpython-313-x86_64-linux-gnu.so\n"
            "./usr/lib/python3/dist-packages/tomli/_parser.py\n"
            "./usr/lib/python3/dist-packages/tomli-2.2.1.dist-info/METADATA\n"
            "./usr/share/doc/python3-tomli/copyright\n";
        CHECK(backport_files(tomli, {"python3-tomli", "amd64", "2.2.1-2+b1"}) ==
              std::vector<std::string>{"usr/lib/python3/dist-packages/tomli/__init__.py",
                                       "usr/lib/python3/dist-packages/tomli/_parser.py",
                                       "usr/lib/python3/dist-packages/tomli-2.2.1.dist-info/METADATA"});
        // The same list taken as Architecture: all keeps the compiled files (nothing to drop).
        CHECK(backport_files(tomli, {"python3-tomli", "all", "2.2.1"}).size() == 6);

        const std::string no_source =
            "./usr/lib/python3/dist-packages/yaml/_yaml.cpython-313-x86_64-linux-gnu.so\n"
            "./usr/lib/python3/dist-packages/yaml/__init__.py\n";
        CHECK(error_of([&] {
                  backport_files(no_source, {"python3-yaml", "amd64", "6.0.2-1"});
              }) ==
              "python3-yaml 6.0.2-1 cannot be backported: "
              "usr/lib/python3/dist-packages/yaml/_yaml.cpython-313-x86_64-linux-gnu.so is compiled code "
              "without "
              "its Python source");
        const std::string library = "./usr/lib/x86_64-linux-gnu/libfoo.so.1\n";
        CHECK(error_of([&] {
                  backport_files(library, {"python3-foo", "amd64", "1.0-1"});
              }) ==
              "python3-foo 1.0-1 cannot be backported: it is built for amd64 and ships "
              "usr/lib/x86_64-linux-gnu/libfoo.so.1");
    }

    TEST_CASE("a Python's packages are relocated to the directory before dist-packages on its sys.path") {
        const std::pair<std::string, std::string> relocate{"/usr/lib/python3/dist-packages",
                                                           "/usr/local/lib/python3.9/dist-packages"};
        CHECK(backport_target("usr/lib/python3/dist-packages/setuptools/__init__.py", relocate) ==
              "/usr/local/lib/python3.9/dist-packages/setuptools/__init__.py");
        CHECK(backport_target("usr/lib/python3/dist-packages-old/x.py", relocate) ==
              "/usr/lib/python3/dist-packages-old/x.py");
        CHECK(backport_target("usr/include/pybind11/pybind11.h", relocate) ==
              "/usr/include/pybind11/pybind11.h");
        CHECK(backport_target("usr/bin/meson", {}) == "/usr/bin/meson");
        auto relocated = request({"python3-setuptools"});
        relocated.relocate = relocate;
        CHECK(backport_key(relocated) != backport_key(request({"python3-setuptools"})));
    }

    TEST_CASE("a path that leaves the tree is refused") {
        CHECK(error_of([&] {
                  backport_files("./usr/../../etc/passwd\n", {"evil", "all", "1"});
              }) == "package evil lists a path outside its tree: usr/../../etc/passwd");
        CHECK(error_of([&] {
                  backport_files("/etc/passwd\n", {"evil", "all", "1"});
              }) == "package evil lists a path outside its tree: /etc/passwd");
    }
}
