#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_check.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

using xbuild::test::contains;

using Strings = std::vector<std::string>;

const char* const k_host_library = "/usr/lib/x86_64-linux-gnu/libz.so.1";

// A wheel with a real x86_64 ELF file as its extension module.
stdfs::path write_wheel(const stdfs::path& dir, const std::string& elf) {
    Wheel wheel;
    wheel.add_text("zpkg/__init__.py", "from ._z import *\n", 0644);
    wheel.add_text("zpkg/_z.cpython-313-x86_64-linux-gnu.so", elf, 0755);
    wheel.add_text("zpkg/data.txt", "not an ELF file\n", 0644);
    wheel.add_text("zpkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zpkg\nVersion: 1.0\n", 0644);
    wheel.add_text(
        "zpkg-1.0.dist-info/WHEEL",
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp313-cp313-linux_x86_64\n", 0644);
    stdfs::path file = dir / "zpkg-1.0-cp313-cp313-linux_x86_64.whl";
    wheel.write(file, 315532800);
    return file;
}

}  // namespace

TEST_SUITE("python wheel check") {
    TEST_CASE("top_level_modules: packages, modules and extensions, sorted and unique") {
        CHECK(top_level_modules({
                  "yaml/__init__.py",
                  "yaml/loader.py",
                  "_yaml.cpython-313-aarch64-linux-gnu.so",
                  "markupsafe/__init__.py",
                  "markupsafe/_speedups.cpython-313-aarch64-linux-gnu.so",
                  "single.py",
                  "yaml/__init__.pyi",
              }) == Strings{"_yaml", "markupsafe", "single", "yaml"});
    }

    TEST_CASE("a package needs an __init__ at its top") {
        // A compiled __init__ counts; a directory without one, or with one deeper down, does not.
        CHECK(top_level_modules({"fast/__init__.cpython-313-x86_64-linux-gnu.so"}) == Strings{"fast"});
        CHECK(top_level_modules({"nsonly/module.py", "nsonly/sub/__init__.py"}).empty());
        CHECK(top_level_modules({"pkg/__init__.py", "pkg/__init__.py"}) == Strings{"pkg"});
    }

    TEST_CASE("dist-info, data, non-identifiers and other files are not modules") {
        CHECK(top_level_modules({
                                    "pkg-1.0.dist-info/METADATA",
                                    "pkg-1.0.dist-info/__init__.py",
                                    "pkg-1.0.data/purelib/__init__.py",
                                    "pkg-1.0.data/scripts/tool.py",
                                    "my-module.py",
                                    "9lives.py",
                                    "has space/__init__.py",
                                    "README.txt",
                                    "lib.pth",
                                    "stub.pyi",
                                    "compiled.pyc",
                                    "libfoo.a",
                                })
                  .empty());
        CHECK(top_level_modules({}).empty());
        CHECK(top_level_modules({"z.py", "a.py", "m.so", "a.cpython-313-x86_64-linux-gnu.so"}) ==
              Strings{"a", "m", "z"});
    }

    TEST_CASE("check_wheel accepts ELF files of the wheel's arch and counts them") {
        const std::string elf = fs::read_file(k_host_library);
        REQUIRE(elf.substr(0, 4) ==
                "\x7f"
                "ELF");
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-check-test-");
        const stdfs::path wheel = write_wheel(dir.path(), elf);
        CheckedWheel checked = check_wheel(wheel, arch_from_name("x86_64"));
        CHECK(checked.elf_files == 1);
        CHECK(checked.top_level_modules == Strings{"zpkg"});
    }

    TEST_CASE("check_wheel refuses an ELF file of another arch, naming the wheel, the entry and both archs") {
        const std::string elf = fs::read_file(k_host_library);
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-check-test-");
        const stdfs::path wheel = write_wheel(dir.path(), elf);
        CHECK_THROWS_WITH_AS(
            check_wheel(wheel, arch_from_name("arm64")),
            contains("zpkg-1.0-cp313-cp313-linux_x86_64.whl: zpkg/_z.cpython-313-x86_64-linux-gnu.so "
                     "is a x86_64 ELF file, but the wheel targets aarch64"),
            Error);
        // Same machine family, other class: i686 is e_machine 3, not 62.
        CHECK_THROWS_WITH_AS(check_wheel(wheel, arch_from_name("i386")),
                             contains("is a x86_64 ELF file, but the wheel targets i686"), Error);
    }

    TEST_CASE("check_wheel refuses a truncated ELF file, naming the wheel and the entry") {
        const std::string elf = fs::read_file(k_host_library).substr(0, 40);
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-check-test-");
        const stdfs::path wheel = write_wheel(dir.path(), elf);
        CHECK_THROWS_WITH_AS(
            check_wheel(wheel, arch_from_name("x86_64")),
            contains("zpkg-1.0-cp313-cp313-linux_x86_64.whl: zpkg/_z.cpython-313-x86_64-linux-gnu.so"),
            Error);
    }

    TEST_CASE("check_wheel of a missing file is an error naming it") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-check-test-");
        CHECK_THROWS_WITH_AS(
            check_wheel(dir.path() / "absent-1.0-py3-none-any.whl", arch_from_name("x86_64")),
            contains("absent-1.0-py3-none-any.whl"), Error);
    }
}
