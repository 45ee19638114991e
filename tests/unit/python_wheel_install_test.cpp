#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "builder/archive/zip_file.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_install.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
using xbuild::test::contains;
namespace stdfs = std::filesystem;

namespace {

const std::string k_site = "usr/local/lib/python3.13/dist-packages";
const std::string k_wheel_text =
    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

InstallOptions options(std::string arch = "x86_64") {
    InstallOptions out;
    out.image = {"3.13", std::move(arch), "2.41"};
    return out;
}

// A file of a test wheel, with its content.
struct Text {
    std::string path, data;
    unsigned mode = 0644;
};

// A wheel with WHEEL and METADATA for name-version, plus files.
Wheel make_wheel(const std::string& name, const std::vector<Text>& files = {},
                 const std::string& wheel_text = k_wheel_text) {
    Wheel wheel;
    const std::string dist = escape_distribution(name) + "-1.0.dist-info/";
    wheel.add_text(dist + "WHEEL", wheel_text, 0644);
    wheel.add_text(dist + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n\nBody\n",
                   0644);
    for (const Text& file : files) wheel.add_text(file.path, file.data, file.mode);
    return wheel;
}

// Writes wheel as dir/<filename> (default: <name>-1.0-py3-none-any.whl).
stdfs::path save(const Wheel& wheel, const stdfs::path& dir, std::string filename = {}) {
    if (filename.empty()) {
        const std::string dist = wheel.dist_info();
        filename = dist.substr(0, dist.find('-')) + "-1.0-py3-none-any.whl";
    }
    wheel.write(dir / filename, 0);
    return dir / filename;
}

std::string read(const stdfs::path& root, const std::string& path) {
    return fs::read_file(root / path);
}

struct Dirs {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-wheel-install-test-"};
    stdfs::path wheels = dir.path() / "wheels";
    stdfs::path root = dir.path() / "root";
    Dirs() {
        stdfs::create_directories(wheels);
        stdfs::create_directories(root);
    }
};

const std::vector<Text> k_files = {
    {"pkg/__init__.py", "print('pkg')\n", 0644},
    {"pkg/tool.py", "#!/usr/bin/env python3\n", 0755},
    {"pkg/data.bin", std::string("\0\x01\x02", 3), 0644},
    {"pkg-1.0.data/platlib/pkg_native.py", "native = 1\n", 0644},
    {"pkg-1.0.data/purelib/pkg_pure.py", "pure = 1\n", 0644},
    {"pkg-1.0.data/scripts/run-py", "#!python\nimport pkg\n", 0644},
    {"pkg-1.0.data/scripts/run-sh", "#!/bin/sh\necho hi\n", 0755},
    {"pkg-1.0.data/scripts/notes", "#!/bin/sh\nnot executable\n", 0644},
    {"pkg-1.0.data/headers/pkg.h", "int pkg;\n", 0644},
    {"pkg-1.0.data/data/share/pkg/readme.txt", "read me\n", 0644},
    {"pkg-1.0.dist-info/entry_points.txt",
     "[console_scripts]\npkg-cli = pkg.cli:main\n[gui_scripts]\npkg-gui = pkg:App.run\n", 0644},
    {"pkg-1.0.dist-info/INSTALLER", "pip\n", 0644},
};

}  // namespace

TEST_SUITE("wheel_install") {
    TEST_CASE("debian_scheme is pip's as root on Debian") {
        InstallScheme scheme = debian_scheme("3.13");
        CHECK(scheme.purelib == "usr/local/lib/python3.13/dist-packages");
        CHECK(scheme.scripts == "usr/local/bin");
        CHECK(scheme.headers == "usr/local/include/python3.13");
        CHECK(scheme.data == "usr/local");
        CHECK(debian_scheme("3.9").purelib == "usr/local/lib/python3.9/dist-packages");
        for (const char* bad : {"3", "3.", "3.x", "2.7", "3.13/../..", "3.13.1", ""})
            CHECK_THROWS_WITH_AS(debian_scheme(bad), contains("invalid image Python version"), Error);
    }

    TEST_CASE("every file in its scheme directory, with its mode; scripts, INSTALLER, RECORD") {
        Dirs dirs;
        const stdfs::path file = save(make_wheel("pkg", k_files), dirs.wheels);
        WheelInstaller installer(dirs.root, options());
        CHECK(installer.interpreter() == "/usr/bin/python3.13");
        const InstalledWheel installed = installer.install(file);

        const std::string d = k_site + "/pkg-1.0.dist-info";
        CHECK(test::tree_with_modes(dirs.root) == std::vector<std::string>{
                                                      "usr/ 0755",
                                                      "usr/local/ 0755",
                                                      "usr/local/bin/ 0755",
                                                      "usr/local/bin/notes 0644",
                                                      "usr/local/bin/pkg-cli 0755",
                                                      "usr/local/bin/pkg-gui 0755",
                                                      "usr/local/bin/run-py 0755",
                                                      "usr/local/bin/run-sh 0755",
                                                      "usr/local/include/ 0755",
                                                      "usr/local/include/python3.13/ 0755",
                                                      "usr/local/include/python3.13/pkg/ 0755",
                                                      "usr/local/include/python3.13/pkg/pkg.h 0644",
                                                      "usr/local/lib/ 0755",
                                                      "usr/local/lib/python3.13/ 0755",
                                                      k_site + "/ 0755",
                                                      d + "/ 0755",
                                                      d + "/INSTALLER 0644",
                                                      d + "/METADATA 0644",
                                                      d + "/RECORD 0644",
                                                      d + "/WHEEL 0644",
                                                      d + "/entry_points.txt 0644",
                                                      k_site + "/pkg/ 0755",
                                                      k_site + "/pkg/__init__.py 0644",
                                                      k_site + "/pkg/data.bin 0644",
                                                      k_site + "/pkg/tool.py 0755",
                                                      k_site + "/pkg_native.py 0644",
                                                      k_site + "/pkg_pure.py 0644",
                                                      "usr/local/share/ 0755",
                                                      "usr/local/share/pkg/ 0755",
                                                      "usr/local/share/pkg/readme.txt 0644",
                                                  });
        CHECK(read(dirs.root, "usr/local/bin/run-py") == "#!/usr/bin/python3.13\nimport pkg\n");
        CHECK(read(dirs.root, "usr/local/bin/run-sh") == "#!/bin/sh\necho hi\n");
        CHECK(read(dirs.root, k_site + "/pkg/tool.py") == "#!/usr/bin/env python3\n");  // not a script: kept
        CHECK(read(dirs.root, k_site + "/pkg/data.bin") == std::string("\0\x01\x02", 3));
        CHECK(read(dirs.root, "usr/local/include/python3.13/pkg/pkg.h") == "int pkg;\n");
        CHECK(read(dirs.root, d + "/INSTALLER") == "xbuild\n");
        CHECK(read(dirs.root, "usr/local/bin/pkg-cli") ==
              "#!/usr/bin/python3.13\n"
              "# -*- coding: utf-8 -*-\n"
              "import re\n"
              "import sys\n"
              "from pkg.cli import main\n"
              "if __name__ == '__main__':\n"
              "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
              "    sys.exit(main())\n");
        CHECK(read(dirs.root, "usr/local/bin/pkg-gui").find("from pkg import App\n") != std::string::npos);

        auto row = [&](const std::string& path, const std::string& data) {
            return fmt::format("{},{},{}\n", path, record_hash(data), data.size());
        };
        const std::string metadata = "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\nBody\n";
        const std::string entry_points =
            "[console_scripts]\npkg-cli = pkg.cli:main\n[gui_scripts]\npkg-gui = pkg:App.run\n";
        CHECK(
            read(dirs.root, d + "/RECORD") ==
            row("../../../bin/notes", "#!/bin/sh\nnot executable\n") +
                row("../../../bin/pkg-cli", read(dirs.root, "usr/local/bin/pkg-cli")) +
                row("../../../bin/pkg-gui", read(dirs.root, "usr/local/bin/pkg-gui")) +
                row("../../../bin/run-py", "#!/usr/bin/python3.13\nimport pkg\n") +
                row("../../../bin/run-sh", "#!/bin/sh\necho hi\n") +
                row("../../../include/python3.13/pkg/pkg.h", "int pkg;\n") +
                row("../../../share/pkg/readme.txt", "read me\n") +
                row("pkg-1.0.dist-info/INSTALLER", "xbuild\n") + row("pkg-1.0.dist-info/METADATA", metadata) +
                "pkg-1.0.dist-info/RECORD,,\n" + row("pkg-1.0.dist-info/WHEEL", k_wheel_text) +
                row("pkg-1.0.dist-info/entry_points.txt", entry_points) +
                row("pkg/__init__.py", "print('pkg')\n") + row("pkg/data.bin", std::string("\0\x01\x02", 3)) +
                row("pkg/tool.py", "#!/usr/bin/env python3\n") + row("pkg_native.py", "native = 1\n") +
                row("pkg_pure.py", "pure = 1\n"));

        CHECK(installed.name == "pkg");
        CHECK(installed.version == "1.0");
        CHECK(installed.wheel == "pkg-1.0-py3-none-any.whl");
        CHECK(installed.tag == "py3-none-any");
        CHECK(installed.purl() == "pkg:pypi/pkg@1.0");
        CHECK(installed.files.size() == 17);
        CHECK(std::is_sorted(installed.files.begin(), installed.files.end()));
        CHECK(installed.files.front() == "/usr/local/bin/notes");
        CHECK(std::count(installed.files.begin(), installed.files.end(), "/" + d + "/RECORD") == 1);
        CHECK(installed.python_sources ==
              std::vector<std::string>{"/" + k_site + "/pkg/__init__.py", "/" + k_site + "/pkg/tool.py",
                                       "/" + k_site + "/pkg_native.py", "/" + k_site + "/pkg_pure.py"});
        CHECK(installed.scripts == std::vector<std::string>{"/usr/local/bin/notes", "/usr/local/bin/pkg-cli",
                                                            "/usr/local/bin/pkg-gui", "/usr/local/bin/run-py",
                                                            "/usr/local/bin/run-sh"});
    }

    TEST_CASE("REQUESTED on request, another interpreter, a platform wheel for the image's arch") {
        Dirs dirs;
        Wheel wheel = make_wheel("My.Pkg", {{"my_pkg/_n.so", "ELF", 0755},
                                            {"My_Pkg-1.0.data/scripts/x", "#!python\n", 0644},
                                            {"My_Pkg-1.0.data/headers/h.h", "", 0644}});
        wheel.add_text("My_Pkg-1.0.dist-info/METADATA",
                       "Metadata-Version: 2.1\nName: My.Pkg\nVersion: 1.0+local.1\n");
        const stdfs::path file =
            save(wheel, dirs.wheels, "My_Pkg-1.0-cp313-cp313-manylinux_2_17_aarch64.whl");
        InstallOptions opts = options("arm64");
        opts.interpreter = "/opt/python/bin/python3";
        opts.requested = Requested::yes;
        const InstalledWheel installed = WheelInstaller(dirs.root, opts).install(file);
        CHECK(installed.tag == "cp313-cp313-manylinux_2_17_aarch64");
        CHECK(installed.name == "My.Pkg");
        CHECK(installed.purl() == "pkg:pypi/my-pkg@1.0%2Blocal.1");
        CHECK(read(dirs.root, k_site + "/My_Pkg-1.0.dist-info/REQUESTED") == "");
        CHECK(read(dirs.root, k_site + "/My_Pkg-1.0.dist-info/RECORD")
                  .find("My_Pkg-1.0.dist-info/REQUESTED," + record_hash("") + ",0\n") != std::string::npos);
        CHECK(read(dirs.root, "usr/local/bin/x") == "#!/opt/python/bin/python3\n");
        CHECK(stdfs::exists(dirs.root / "usr/local/include/python3.13/My.Pkg/h.h"));
        CHECK((stdfs::status(dirs.root / k_site / "my_pkg/_n.so").permissions() & stdfs::perms::owner_exec) !=
              stdfs::perms::none);
    }

    TEST_CASE(
        "any Wheel-Version 1.x, and a WHEEL without Root-Is-Purelib, are accepted as pip accepts them") {
        Dirs dirs;
        WheelInstaller installer(dirs.root, options());
        installer.install(save(make_wheel("a", {{"a.py", "", 0644}}, "Wheel-Version: 1.9\n"), dirs.wheels));
        installer.install(save(make_wheel("b", {{"b.py", "", 0644}}, "Wheel-Version: 1\n"), dirs.wheels));
        CHECK(stdfs::exists(dirs.root / k_site / "a.py"));
        CHECK(stdfs::exists(dirs.root / k_site / "b.py"));
    }

    TEST_CASE("contents and modes do not depend on the umask; two installs give the same tree") {
        Dirs dirs;
        const stdfs::path file = save(make_wheel("pkg", k_files), dirs.wheels);
        WheelInstaller(dirs.root, options()).install(file);
        const stdfs::path other = dirs.dir.path() / "other";
        stdfs::create_directories(other);
        const mode_t saved = ::umask(077);
        WheelInstaller(other, options()).install(file);
        ::umask(saved);
        CHECK(test::tree_with_modes(dirs.root) == test::tree_with_modes(other));
        for (const auto& entry : stdfs::recursive_directory_iterator(other))
            if (entry.is_regular_file()) {
                const std::string path = entry.path().lexically_relative(other).string();
                CHECK(fs::read_file(entry.path()) == read(dirs.root, path));
            }
    }

    TEST_CASE("a wheel that does not run on the image is refused before anything is written") {
        Dirs dirs;
        WheelInstaller installer(dirs.root, options("aarch64"));
        const stdfs::path old =
            save(make_wheel("pkg"), dirs.wheels, "pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl");
        CHECK_THROWS_WITH_AS(
            installer.install(old),
            contains("pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl does not run on the image "
                     "(CPython 3.13, aarch64, glibc 2.41): cp311-cp311-manylinux_2_17_aarch64 is "
                     "for CPython 3.11, the image has CPython 3.13"),
            Error);
        const stdfs::path x86 =
            save(make_wheel("pkg"), dirs.wheels, "pkg-1.0-cp313-abi3-manylinux_2_17_x86_64.whl");
        CHECK_THROWS_WITH_AS(installer.install(x86), contains("is for x86_64, the image is aarch64"), Error);
        const stdfs::path glibc =
            save(make_wheel("pkg"), dirs.wheels, "pkg-1.0-py3-none-manylinux_2_42_aarch64.whl");
        CHECK_THROWS_WITH_AS(installer.install(glibc), contains("needs glibc 2.42, the image is aarch64"),
                             Error);
        const stdfs::path musl =
            save(make_wheel("pkg"), dirs.wheels, "pkg-1.0-py3-none-musllinux_1_2_aarch64.whl");
        CHECK_THROWS_WITH_AS(installer.install(musl), contains("is for musl libc 1.2"), Error);
        CHECK(stdfs::is_empty(dirs.root));
        const stdfs::path abi3 =
            save(make_wheel("pkg"), dirs.wheels, "pkg-1.0-cp38-abi3-manylinux2014_aarch64.whl");
        CHECK(installer.install(abi3).tag == "cp38-abi3-manylinux2014_aarch64");
    }

    TEST_CASE(
        "a symlink planted where a directory or the file would go is refused, nothing written through it") {
        Dirs dirs;
        const stdfs::path outside = dirs.dir.path() / "outside";
        stdfs::create_directories(outside);
        stdfs::create_directories(dirs.root / "usr");
        stdfs::create_directory_symlink(outside, dirs.root / "usr/local");
        const stdfs::path file = save(make_wheel("pkg", k_files), dirs.wheels);
        CHECK_THROWS_WITH_AS(
            WheelInstaller(dirs.root, options()).install(file),
            contains((dirs.root / "usr/local").string() + " is a symlink; refusing to install "
                                                          "through it"),
            Error);
        CHECK(stdfs::is_empty(outside));

        stdfs::remove(dirs.root / "usr/local");
        stdfs::create_directories(dirs.root / "usr/local/bin");
        fs::write_file_atomic(outside / "target", "precious");
        stdfs::create_symlink(outside / "target", dirs.root / "usr/local/bin/run-sh");
        CHECK_THROWS_WITH_AS(WheelInstaller(dirs.root, options()).install(file),
                             contains("'pkg-1.0.data/scripts/run-sh': " +
                                      (dirs.root / "usr/local/bin/run-sh").string() + " is a symlink"),
                             Error);
        CHECK(fs::read_file(outside / "target") == "precious");

        stdfs::remove_all(dirs.root / "usr/local/bin");  // the files written before the refusal
        stdfs::create_directories(dirs.root / "usr/local/bin");
        fs::write_file_atomic(dirs.root / "usr/local/bin/run-sh", "mine");
        CHECK_THROWS_WITH_AS(WheelInstaller(dirs.root, options()).install(file),
                             contains("run-sh exists already; refusing to replace it"), Error);
        CHECK(read(dirs.root, "usr/local/bin/run-sh") == "mine");
    }

    TEST_CASE("two wheels with the same file, or one distribution twice, are refused") {
        Dirs dirs;
        const stdfs::path a = save(make_wheel("a", {{"common/x.py", "a", 0644}}), dirs.wheels);
        const stdfs::path b = save(make_wheel("b", {{"common/x.py", "b", 0644}}), dirs.wheels);
        WheelInstaller installer(dirs.root, options());
        installer.install(a);
        CHECK_THROWS_WITH_AS(installer.install(b),
                             contains("b-1.0-py3-none-any.whl: 'common/x.py' would install /" + k_site +
                                      "/common/x.py, which a-1.0-py3-none-any.whl installed already"),
                             Error);
        CHECK(read(dirs.root, k_site + "/common/x.py") == "a");
        CHECK_THROWS_WITH_AS(installer.install(a),
                             contains("a is installed already, from a-1.0-py3-none-any.whl"), Error);
        CHECK_THROWS_WITH_AS(WheelInstaller(dirs.root, options()).install(a),
                             contains("a is installed in the image already: /" + k_site + "/a-1.0.dist-info"),
                             Error);

        const stdfs::path c =
            save(make_wheel("c", {{"c.py", "1", 0644}, {"c-1.0.data/purelib/c.py", "2", 0644}}), dirs.wheels);
        CHECK_THROWS_WITH_AS(
            installer.install(c),
            contains("'c-1.0.data/purelib/c.py' and 'c.py' both install /" + k_site + "/c.py"), Error);
        const stdfs::path d = save(
            make_wheel("d", {{"d-1.0.data/scripts/d", "#!/bin/sh\n", 0755},
                             {"d-1.0.dist-info/entry_points.txt", "[console_scripts]\nd = d:main\n", 0644}}),
            dirs.wheels);
        CHECK_THROWS_WITH_AS(
            installer.install(d),
            contains("'d-1.0.data/scripts/d' and entry point 'd' both install /usr/local/bin/d"), Error);
    }

    TEST_CASE("a RECORD that does not match the content is refused") {
        Dirs dirs;
        const std::string record = "pkg/__init__.py," + record_hash("original") +
                                   ",8\npkg-1.0.dist-info/WHEEL," + record_hash(k_wheel_text) + "," +
                                   std::to_string(k_wheel_text.size()) + "\npkg-1.0.dist-info/RECORD,,\n";
        const std::vector<archive::ZipEntryView> entries = {{"pkg/__init__.py", "tampered", 0644},
                                                            {"pkg-1.0.dist-info/WHEEL", k_wheel_text, 0644},
                                                            {"pkg-1.0.dist-info/RECORD", record, 0644}};
        const stdfs::path file = dirs.wheels / "pkg-1.0-py3-none-any.whl";
        archive::write_zip(file, entries, 0);
        CHECK_THROWS_WITH_AS(
            WheelInstaller(dirs.root, options()).install(file),
            contains(
                file.string() +
                ": pkg-1.0.dist-info/RECORD: the sha256 of 'pkg/__init__.py' does not match its content"),
            Error);
        CHECK(stdfs::is_empty(dirs.root));
    }

    TEST_CASE("malformed wheels are refused, naming the wheel and the problem") {
        Dirs dirs;
        WheelInstaller installer(dirs.root, options());
        auto refused = [&](const Wheel& wheel, const std::string& message, std::string filename = {}) {
            const stdfs::path file = save(wheel, dirs.wheels, filename);
            CHECK_THROWS_WITH_AS(installer.install(file), contains(file.string() + ": " + message), Error);
        };
        refused(make_wheel("pkg", {}, "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n"),
                "pkg-1.0.dist-info/WHEEL: Wheel-Version 2.0 is not supported (xbuild installs 1.x wheels)");
        refused(make_wheel("pkg", {}, "Wheel-Version: one\n"),
                "pkg-1.0.dist-info/WHEEL: invalid Wheel-Version 'one'");
        refused(make_wheel("pkg", {}, "Generator: x\n"), "pkg-1.0.dist-info/WHEEL has no Wheel-Version");
        refused(make_wheel("pkg", {}, "Wheel-Version: 1.\n"),
                "pkg-1.0.dist-info/WHEEL: invalid Wheel-Version '1.'");
        refused(make_wheel("pkg", {}, "Wheel-Version: 1.0\nRoot-Is-Purelib: maybe\n"),
                "pkg-1.0.dist-info/WHEEL: Root-Is-Purelib must be true or false, not 'maybe'");
        refused(make_wheel("pkg", {{"pkg-1.0.dist-info/entry_points.txt",
                                    "[console_scripts]\nok = a:b\nbad = a b\n", 0644}}),
                "pkg-1.0.dist-info/entry_points.txt line 3: invalid module in entry point 'bad = a b'");
        refused(make_wheel("pkg", {{"pkg-1.0.data/lib/x.py", "", 0644}}),
                "unknown scheme directory 'pkg-1.0.data/lib' (expected purelib, platlib, scripts, headers or "
                "data)");
        refused(make_wheel("pkg", {{"pkg-1.0.data/scripts", "", 0644}}),
                "'pkg-1.0.data/scripts' is not inside a scheme directory of pkg-1.0.data");
        refused(make_wheel("pkg", {{"other-1.0.data/data/x", "", 0644}}),
                "unexpected data directory 'other-1.0.data' (the wheel's is 'pkg-1.0.data')");
        refused(make_wheel("pkg"), "pkg-1.0.dist-info does not belong to distribution 'other'",
                "other-1.0-py3-none-any.whl");
        Wheel renamed = make_wheel("pkg");
        renamed.add_text("pkg-1.0.dist-info/METADATA", "Name: other\nVersion: 1.0\n");
        refused(renamed, "pkg-1.0.dist-info/METADATA names 'other', the file name 'pkg'");
        Wheel nameless = make_wheel("pkg");
        nameless.add_text("pkg-1.0.dist-info/METADATA", "Version: 1.0\n");
        refused(nameless, "pkg-1.0.dist-info/METADATA has no valid Name (got '')");
        Wheel versionless = make_wheel("pkg");
        versionless.add_text("pkg-1.0.dist-info/METADATA", "Name: pkg\nVersion: 1 0\n");
        refused(versionless, "pkg-1.0.dist-info/METADATA has no valid Version (got '1 0')");
        CHECK(stdfs::is_empty(dirs.root));
        const stdfs::path file = save(make_wheel("pkg"), dirs.wheels, "pkg.whl");
        CHECK_THROWS_WITH_AS(installer.install(file), contains("pkg.whl: not a wheel file name"), Error);
    }

    TEST_CASE("invalid options are refused") {
        Dirs dirs;
        InstallOptions opts = options();
        opts.interpreter = "python3";
        CHECK_THROWS_WITH_AS(WheelInstaller(dirs.root, opts), contains("invalid interpreter 'python3'"),
                             Error);
        CHECK_THROWS_WITH_AS(
            WheelInstaller(dirs.root / "missing", options()),
            contains("image root " + (dirs.root / "missing").string() + " is not a directory"), Error);
        CHECK_THROWS_WITH_AS(WheelInstaller(dirs.root, options("")), contains("no image architecture given"),
                             Error);
        opts = options();
        opts.image.python_version = "3.13/../../..";
        CHECK_THROWS_WITH_AS(WheelInstaller(dirs.root, opts), contains("invalid image Python version"),
                             Error);
    }
}
