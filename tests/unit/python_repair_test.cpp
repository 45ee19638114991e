#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/elf/elf_file.hpp"
#include "builder/elf/resolver.hpp"
#include "python/graft_sbom.hpp"
#include "python/repair.hpp"
#include "python/wheel_archive.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

using xbuild::test::sh;

using xbuild::test::contains;

using Strings = std::vector<std::string>;

const std::string k_ext_path = "tinyext/_ext.cpython-313-x86_64-linux-gnu.so";
const std::string k_top_path = "_top.cpython-313-x86_64-linux-gnu.so";
const std::string k_wheel_name = "tinyext-1.0-cp313-cp313-linux_x86_64.whl";

// Real host binaries, compiled once: libtiny.so.1, an extension needing it, and an
// extension needing pthread_create@GLIBC_2.34.
struct Binaries {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-repair-bin-"};
    std::string tiny, ext, new_glibc;

    Binaries() {
        const std::string d = dir.path().string();
        fs::write_file_atomic(dir.path() / "tiny.c", "int tiny_value(void) { return 42; }\n");
        fs::write_file_atomic(dir.path() / "ext.c",
                              "extern int tiny_value(void);\nint ext_value(void) { return tiny_value(); }\n");
        fs::write_file_atomic(dir.path() / "new.c",
                              "#include <pthread.h>\nstatic void* run(void* a) { return a; }\n"
                              "int start(void) { pthread_t t; return pthread_create(&t, 0, run, 0); }\n");
        sh("cd " + d + " && gcc -shared -fPIC -Wl,-soname,libtiny.so.1 -o libtiny.so.1 tiny.c");
        sh("cd " + d + " && gcc -shared -fPIC -o ext.so ext.c -L. -l:libtiny.so.1");
        sh("cd " + d + " && gcc -shared -fPIC -o new.so new.c");
        tiny = fs::read_file(dir.path() / "libtiny.so.1");
        ext = fs::read_file(dir.path() / "ext.so");
        new_glibc = fs::read_file(dir.path() / "new.so");
    }
};

const Binaries& binaries() {
    static const Binaries built;
    return built;
}

// A stage layer as Debian lays it out: merged /usr, the multiarch ld.so.conf.d file.
stdfs::path make_stage(const stdfs::path& root, bool with_tiny) {
    fs::make_dirs(root / "usr/lib/x86_64-linux-gnu");
    fs::make_dirs(root / "etc/ld.so.conf.d");
    stdfs::create_directory_symlink("usr/lib", root / "lib");
    fs::write_file_atomic(root / "etc/ld.so.conf.d/x86_64-linux-gnu.conf",
                          "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n"
                          "/usr/lib/x86_64-linux-gnu\n");
    if (with_tiny)
        fs::write_file_atomic(root / "usr/lib/x86_64-linux-gnu/libtiny.so.1", binaries().tiny, 0644);
    return root;
}

// A file of a test wheel, with its content.
struct Text {
    std::string path, data;
    unsigned mode = 0644;
};

stdfs::path write_wheel(const stdfs::path& dir, const std::vector<Text>& extensions,
                        const std::string& file_name = k_wheel_name) {
    Wheel wheel;
    wheel.add_text("tinyext/__init__.py", "from ._ext import *\n", 0644);
    for (const Text& entry : extensions) wheel.add_text(entry.path, entry.data, entry.mode);
    wheel.add_text("tinyext-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tinyext\nVersion: 1.0\n",
                   0644);
    wheel.add_text(
        "tinyext-1.0.dist-info/WHEEL",
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp313-cp313-linux_x86_64\n", 0644);
    stdfs::path file = dir / file_name;
    wheel.write(file, 315532800);
    return file;
}

struct Fixture {
    fs::TempDir work{stdfs::temp_directory_path(), "xbuild-repair-test-"};
    const Arch& arch = arch_from_name("x86_64");
    stdfs::path in = work.path() / "in";
    stdfs::path out = work.path() / "out";
    Fixture() {
        fs::make_dirs(in);
        fs::make_dirs(work.path() / "stage");
        fs::make_dirs(work.path() / "empty-stage");
        make_stage(work.path() / "stage", true);
        make_stage(work.path() / "empty-stage", false);
    }
    elf::LibraryResolver resolver() const { return elf::LibraryResolver({work.path() / "stage"}, arch); }
    elf::LibraryResolver empty_resolver() const {
        return elf::LibraryResolver({work.path() / "empty-stage"}, arch);
    }
};

}  // namespace

TEST_SUITE("python repair") {
    TEST_CASE("a library outside the policy is grafted with a hashed soname and the extensions patched") {
        Fixture f;
        const Binaries& bin = binaries();
        const stdfs::path input =
            write_wheel(f.in, {{k_ext_path, bin.ext, 0755}, {k_top_path, bin.ext, 0755}});
        RepairResult result = repair_wheel(input, f.arch, f.resolver(), f.out, {});

        const std::string new_name = "libtiny-" + hash::sha256_hex(bin.tiny).substr(0, 8) + ".so.1";
        const std::string graft_path = "tinyext.libs/" + new_name;
        REQUIRE(result.grafted.size() == 1);
        CHECK(result.grafted[0].soname == "libtiny.so.1");
        CHECK(result.grafted[0].new_name == new_name);
        // The first ld.so.conf.d directory that has it (/lib is a symlink to usr/lib in the stage).
        CHECK(result.grafted[0].stage_path == "/lib/x86_64-linux-gnu/libtiny.so.1");

        // Nothing in the wheel needs more than the oldest policy.
        CHECK(result.policy == "manylinux_2_5");
        CHECK(result.platform_tag == "manylinux_2_5_x86_64.manylinux1_x86_64");
        CHECK(result.wheel == f.out / "tinyext-1.0-cp313-cp313-manylinux_2_5_x86_64.manylinux1_x86_64.whl");
        CHECK(result.wheel.filename().string().find("-cp313-cp313-manylinux_") != std::string::npos);
        REQUIRE(stdfs::exists(result.wheel));

        Wheel repaired = Wheel::read(result.wheel);
        CHECK(repaired.verify_record() == Strings{});

        const WheelEntry* graft = repaired.find(graft_path);
        REQUIRE(graft != nullptr);
        CHECK(graft->mode == 0755);
        elf::ElfInfo graft_info = elf::read_elf(graft->file, graft_path);
        CHECK(graft_info.soname == new_name);
        CHECK(graft_info.runpath == Strings{"$ORIGIN"});
        CHECK(graft_info.machine == 62);

        const WheelEntry* ext = repaired.find(k_ext_path);
        REQUIRE(ext != nullptr);
        elf::ElfInfo ext_info = elf::read_elf(ext->file, k_ext_path);
        CHECK(ext_info.needed == Strings{new_name});
        CHECK(ext_info.runpath == Strings{"$ORIGIN/../tinyext.libs"});
        CHECK(ext_info.rpath.empty());

        // A top-level extension gets the libs directory relative to the wheel's root.
        const WheelEntry* top = repaired.find(k_top_path);
        REQUIRE(top != nullptr);
        elf::ElfInfo top_info = elf::read_elf(top->file, k_top_path);
        CHECK(top_info.needed == Strings{new_name});
        CHECK(top_info.runpath == Strings{"$ORIGIN/tinyext.libs"});

        // The WHEEL tags follow the file name; untouched files stay as they were.
        bool tag_found = false;
        for (const auto& [key, value] : repaired.wheel_metadata()) {
            if (key != "Tag") continue;
            CHECK(value.find("cp313-cp313-manylinux") == 0);
            tag_found = true;
        }
        CHECK(tag_found);
        REQUIRE(repaired.find("tinyext/__init__.py") != nullptr);
        CHECK(repaired.text("tinyext/__init__.py") == "from ._ext import *\n");
    }

    TEST_CASE("the repaired extension loads its grafted library from the wheel") {
        Fixture f;
        const stdfs::path input = write_wheel(f.in, {{k_ext_path, binaries().ext, 0755}});
        RepairResult result = repair_wheel(input, f.arch, f.resolver(), f.out, {});
        // Unpack the two ELF files where the wheel puts them and let the host's ld.so resolve them.
        Wheel repaired = Wheel::read(result.wheel);
        const stdfs::path site = f.work.path() / "site";
        for (const WheelEntry& entry : repaired.entries()) {
            fs::make_dirs((site / entry.path).parent_path());
            fs::copy_file_content(entry.file, site / entry.path, entry.mode);
        }
        fs::write_file_atomic(f.work.path() / "main.c",
                              "#include <dlfcn.h>\nint main(int c, char** v) {\n"
                              "  void* h = dlopen(v[1], RTLD_NOW);\n  if (!h) return 2;\n"
                              "  int (*fn)(void) = (int (*)(void))dlsym(h, \"ext_value\");\n"
                              "  return fn && fn() == 42 ? 0 : 3;\n}\n");
        const std::string d = f.work.path().string();
        sh("cd " + d + " && gcc -o main main.c -ldl");
        sh(d + "/main " + (site / k_ext_path).string());
    }

    TEST_CASE("repairing the same wheel twice gives the same bytes") {
        Fixture f;
        const stdfs::path input = write_wheel(f.in, {{k_ext_path, binaries().ext, 0755}});
        RepairResult first = repair_wheel(input, f.arch, f.resolver(), f.work.path() / "out1", {});
        RepairResult second = repair_wheel(input, f.arch, f.resolver(), f.work.path() / "out2", {});
        CHECK(first.wheel.filename() == second.wheel.filename());
        CHECK(first.wheel != second.wheel);
        CHECK(fs::read_file(first.wheel) == fs::read_file(second.wheel));
        // A different timestamp gives other bytes (the comparison above can fail).
        RepairOptions later;
        later.source_date_epoch = 1700000000;
        RepairResult third = repair_wheel(input, f.arch, f.resolver(), f.work.path() / "out3", later);
        CHECK(fs::read_file(third.wheel) != fs::read_file(first.wheel));
    }

    TEST_CASE("a needed library found nowhere in the stage is an error naming it") {
        Fixture f;
        const stdfs::path input = write_wheel(f.in, {{k_ext_path, binaries().ext, 0755}});
        CHECK_THROWS_WITH_AS(repair_wheel(input, f.arch, f.empty_resolver(), f.out, {}),
                             contains(k_wheel_name + ": " + k_ext_path +
                                      " needs libtiny.so.1, which is not in the policy and was not "
                                      "found in the x86_64 stage (search path: "
                                      "/usr/local/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:"),
                             Error);
        CHECK_FALSE(stdfs::exists(f.out));
    }

    TEST_CASE("the policy follows the newest GLIBC symbol version, and --plat is checked against it") {
        Fixture f;
        const std::string name = "newglibc-1.0-cp313-cp313-linux_x86_64.whl";
        const std::string path = "tinyext/_new.cpython-313-x86_64-linux-gnu.so";
        const stdfs::path input = write_wheel(f.in, {{path, binaries().new_glibc, 0755}}, name);

        RepairResult lowest = repair_wheel(input, f.arch, f.resolver(), f.out, {});
        CHECK(lowest.policy == "manylinux_2_34");
        CHECK(lowest.platform_tag == "manylinux_2_34_x86_64");
        CHECK(lowest.grafted.empty());
        CHECK(lowest.wheel.filename() == "newglibc-1.0-cp313-cp313-manylinux_2_34_x86_64.whl");

        RepairOptions old;
        old.plat = "manylinux_2_5";
        CHECK_THROWS_WITH_AS(
            repair_wheel(input, f.arch, f.resolver(), f.out, old),
            contains(name + ": cannot be tagged manylinux_2_5: " + path + " needs GLIBC_2.34"), Error);
        old.plat = "manylinux2014_x86_64";
        CHECK_THROWS_WITH_AS(repair_wheel(input, f.arch, f.resolver(), f.out, old),
                             contains(name + ": cannot be tagged manylinux2014_x86_64: " + path), Error);

        RepairOptions newer;
        newer.plat = "manylinux_2_35_x86_64";
        RepairResult tagged = repair_wheel(input, f.arch, f.resolver(), f.work.path() / "newer", newer);
        // As auditwheel: the lowest policy the wheel meets stays first, the requested one follows.
        CHECK(tagged.policy == "manylinux_2_34");
        CHECK(tagged.platform_tag == "manylinux_2_34_x86_64.manylinux_2_35_x86_64");
        CHECK(tagged.wheel.filename() ==
              "newglibc-1.0-cp313-cp313-manylinux_2_34_x86_64.manylinux_2_35_x86_64.whl");
        newer.only_plat = true;
        RepairResult only = repair_wheel(input, f.arch, f.resolver(), f.work.path() / "only", newer);
        CHECK(only.policy == "manylinux_2_35");
        CHECK(only.platform_tag == "manylinux_2_35_x86_64");

        RepairOptions floor;  // what `xbuild wheels` asks: at most the floor, tagged with it too
        floor.floor = "manylinux_2_36";
        RepairResult floored = repair_wheel(input, f.arch, f.resolver(), f.work.path() / "floor", floor);
        CHECK(floored.platform_tag == "manylinux_2_34_x86_64.manylinux_2_36_x86_64");
        floor.floor = "manylinux_2_34";  // the floor is the lowest policy: one tag
        RepairResult same = repair_wheel(input, f.arch, f.resolver(), f.work.path() / "same", floor);
        CHECK(same.platform_tag == "manylinux_2_34_x86_64");
        floor.floor = "manylinux_2_31";
        floor.floor_source = "--manylinux";
        CHECK_THROWS_WITH_AS(repair_wheel(input, f.arch, f.resolver(), f.work.path() / "low", floor),
                             contains(name + ": needs more than its floor manylinux_2_31 (--manylinux): " +
                                      path + " needs GLIBC_2.34"),
                             Error);

        RepairOptions unknown;
        unknown.plat = "manylinux_9_99";
        CHECK_THROWS_WITH_AS(repair_wheel(input, f.arch, f.resolver(), f.out, unknown),
                             contains(name + ": unknown platform tag 'manylinux_9_99' for x86_64"), Error);
    }

    TEST_CASE("an ELF file of another architecture is refused, naming the wheel and the entry") {
        Fixture f;
        const stdfs::path input = write_wheel(f.in, {{k_ext_path, binaries().ext, 0755}});
        const Arch& arm64 = arch_from_name("arm64");
        elf::LibraryResolver resolver({f.work.path() / "stage"}, arm64);
        CHECK_THROWS_WITH_AS(
            repair_wheel(input, arm64, resolver, f.out, {}),
            contains(k_wheel_name + ": " + k_ext_path + " is not a aarch64 ELF file (e_machine 62)"), Error);
    }

    TEST_CASE("an extension linking libpython is refused") {
        Fixture f;
        const stdfs::path copy = f.work.path() / "pyext.so";
        fs::write_file_atomic(copy, binaries().ext);
        sh("patchelf --add-needed libpython3.13.so.1.0 " + copy.string());
        const stdfs::path input = write_wheel(f.in, {{k_ext_path, fs::read_file(copy), 0755}});
        CHECK_THROWS_WITH_AS(repair_wheel(input, f.arch, f.resolver(), f.out, {}),
                             contains(k_wheel_name + ": " + k_ext_path +
                                      " links libpython3.13.so.1.0: extension modules must not link "
                                      "libpython"),
                             Error);
    }

    TEST_CASE("Debian's library package names and the SBOM's owners") {
        CHECK(library_package_name("libyaml-0.so.2") == "libyaml-0-2");
        CHECK(library_package_name("libssl.so.3") == "libssl3");
        CHECK(library_package_name("libstdc++.so.6") == "libstdc++6");
        CHECK(library_package_name("libfoo.so") == "libfoo");
        CHECK(library_package_name("libGL_x.so.1") == "libgl-x1");
        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-owners-");
        fs::write_file_atomic(dir.path() / "packages.tsv",
                              "libyaml-0-2\tarm64\t0.2.5-2\nlibssl3t64\tarm64\t3.5.1-1\n"
                              "libjpeg62-turbo\tarm64\t1:2.1.5-4\nlibjpeg62-turbo-dev\tarm64\t1:2.1.5-4\n");
        PackageOwners owners(dir.path() / "root", dir.path() / "packages.tsv", "trixie");
        CHECK(owners.owner("/usr/lib/aarch64-linux-gnu/libyaml-0.so.2", "libyaml-0.so.2").version ==
              "0.2.5-2");
        CHECK(owners.owner("/usr/lib/aarch64-linux-gnu/libssl.so.3", "libssl.so.3").name == "libssl3t64");
        CHECK(owners.owner("/usr/lib/aarch64-linux-gnu/libjpeg.so.62", "libjpeg.so.62").name ==
              "libjpeg62-turbo");
        CHECK(owners.owner("/usr/lib/x/libzz.so.1", "libzz.so.1").name.empty());
        // dpkg's file lists win when the tree has them.
        fs::make_dirs(dir.path() / "root/var/lib/dpkg/info");
        fs::write_file_atomic(dir.path() / "root/var/lib/dpkg/info/libyaml-0-2:arm64.list",
                              "/.\n/usr/lib/aarch64-linux-gnu/libzz.so.1\n");
        CHECK(owners.owner("/lib/aarch64-linux-gnu/libzz.so.1", "libzz.so.1").name == "libyaml-0-2");
    }
}
