#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/toolchain/cross.hpp"
#include "builder/toolchain/floor.hpp"
#include "builder/toolchain/sysroot.hpp"

using namespace xbuild;
using namespace xbuild::toolchain;

namespace {
bool has(const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
}
bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}
}  // namespace

TEST_SUITE("toolchain") {
    TEST_CASE("floors come from recipes/stages.toml; an unknown one is an error naming those that exist") {
        CHECK(default_floor().name == "2_31");
        CHECK(default_floor().suite == "bullseye");
        CHECK(default_floor().gcc == "10");
        CHECK(find_floor("2.36", "--glibc").suite == "bookworm");
        CHECK(find_floor("manylinux_2_41", "x").suite == "trixie");
        CHECK(find_floor("2_31", "x").manylinux() == "manylinux_2_31");
        try {
            find_floor("2_28", "--manylinux");
            FAIL("no error");
        } catch (const Error& error) {
            CHECK(
                std::string(error.what()) ==
                "--manylinux: unknown floor '2_28' (floors: 2_31 (bullseye), 2_36 (bookworm), 2_41 (trixie); "
                "each is a Debian suite's glibc and libstdc++)");
        }
        CHECK(compare_glibc("2.31", "2.36") < 0);
        CHECK(compare_glibc("2.4", "2.31") < 0);
        CHECK(compare_glibc("2.41", "2.41") == 0);
    }

    TEST_CASE("the environment names the wrappers, the target's binutils and the sysroot's pkg-config") {
        const Arch& arm64 = arch_from_name("arm64");
        auto env = compiler_environment({arm64, default_floor(), true, false});
        CHECK(has(env, "CC=/xbuild/bin/cc"));
        CHECK(has(env, "CXX=/xbuild/bin/c++"));
        CHECK(has(env, "AR=aarch64-linux-gnu-ar"));
        CHECK(has(env, "STRIP=aarch64-linux-gnu-strip"));
        CHECK(has(env,
                  "PKG_CONFIG_LIBDIR=/xbuild/sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:"
                  "/xbuild/sysroot/usr/share/pkgconfig"));
        CHECK(has(env, "PKG_CONFIG_SYSROOT_DIR=/xbuild/sysroot"));
        CHECK(has(env, "PKG_CONFIG_PATH="));
        CHECK(has(env, "CMAKE_TOOLCHAIN_FILE=/xbuild/toolchain.cmake"));
        CHECK(has(env, "XBUILD_MESON_CROSS_FILE=/xbuild/meson-cross.ini"));
        auto native = compiler_environment({host_arch(), default_floor(), false, false});
        CHECK(has(native, "AR=ar"));
        CHECK(has(native, "XBUILD_MESON_NATIVE_FILE=/xbuild/meson-native.ini"));
    }

    TEST_CASE("the CMake toolchain file and the meson files describe the target and its sysroot") {
        const Arch& arm64 = arch_from_name("aarch64");
        ToolchainSetup cross{arm64, default_floor(), true, false};
        std::string cmake = cmake_toolchain_file(cross);
        CHECK(contains(cmake, "set(CMAKE_SYSTEM_PROCESSOR aarch64)"));
        CHECK(contains(cmake, "set(CMAKE_SYSROOT /xbuild/sysroot)"));
        CHECK(contains(cmake, "set(CMAKE_CXX_COMPILER /xbuild/bin/c++)"));
        CHECK(contains(cmake, "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)"));
        CHECK_FALSE(contains(cmake_toolchain_file({host_arch(), default_floor(), false, false}),
                             "CMAKE_SYSTEM_NAME"));
        std::string meson = meson_machine_file({arch_from_name("armhf"), default_floor(), true, false});
        CHECK(contains(meson, "c = '/xbuild/bin/cc'"));
        CHECK(contains(meson, "cpu_family = 'arm'"));
        CHECK(contains(meson, "sys_root = '/xbuild/sysroot'"));
        CHECK(contains(meson_machine_file({arch_from_name("s390x"), default_floor(), true, false}),
                       "endian = 'big'"));
        CHECK_FALSE(
            contains(meson_machine_file({host_arch(), default_floor(), false, false}), "[host_machine]"));

        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-cross-test-");
        write_toolchain_files(dir.path() / "tools", cross);
        CHECK(fs::read_file(dir.path() / "tools/toolchain.cmake") == cmake);
        CHECK(fs::read_file(dir.path() / "tools/meson-cross.ini") == meson_machine_file(cross));
        CHECK(std::filesystem::is_directory(dir.path() / "tools/sysroot"));
        CHECK(fs::read_file(dir.path() / "tools/bin/cc") == compiler_wrapper(cross, false));
    }

    TEST_CASE("the wrapper runs clang for the target and puts the build suite's /usr/include last") {
        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-wrapper-test-");
        // A fake clang++ that prints its arguments, one per line.
        fs::write_file_atomic(dir.path() / "clang++", "#!/bin/sh\nfor a do echo \"$a\"; done\n", 0755);
        ToolchainSetup setup{arch_from_name("arm64"), default_floor(), true, false};
        fs::write_file_atomic(dir.path() / "c++", compiler_wrapper(setup, true), 0755);
        std::string path = dir.path().string() + ":/usr/bin:/bin";
        std::string out =
            process::capture({"env", "PATH=" + path, (dir.path() / "c++").string(), "-I/usr/include", "-I",
                              "/usr/include/", "-isystem", "/usr/include", "-isystem/usr/include",
                              "-I/usr/include/python3.13", "-isystem", "/opt/x", "a b.cpp", "-I"});
        CHECK(out ==
              "--target=aarch64-linux-gnu\n--sysroot=/xbuild/sysroot\n-fuse-ld=lld\n-Qunused-arguments\n"
              "-L/xbuild/sysroot/usr/lib/aarch64-linux-gnu\n"
              "-idirafter\n/usr/include\n-idirafter\n/usr/include\n-idirafter\n/usr/include\n-idirafter\n/"
              "usr/include\n"
              "-I/usr/include/python3.13\n-isystem\n/opt/x\na b.cpp\n-I\n");
        // Extra directories of the build suite (Node's libuv headers) come last, after the sysroot.
        setup.after_includes = {"/xbuild/node-include"};
        fs::write_file_atomic(dir.path() / "c++", compiler_wrapper(setup, true), 0755);
        out = process::capture({"env", "PATH=" + path, (dir.path() / "c++").string(), "x.c"});
        CHECK(out.ends_with("x.c\n-idirafter\n/xbuild/node-include\n"));
    }

    TEST_CASE("the emulated wrapper runs the stage's gcc with the floor GCC's C++ headers first") {
        std::string wrapper = compiler_wrapper({arch_from_name("arm64"), default_floor(), false, true}, true);
        CHECK(contains(wrapper,
                       "exec g++ --sysroot=/xbuild/sysroot -nostdinc++ -isystem "
                       "/xbuild/sysroot/usr/include/c++/10 "));
        CHECK(contains(wrapper, "-B/xbuild/sysroot/usr/lib/gcc/aarch64-linux-gnu/10"));
    }

    TEST_CASE("a sysroot copy makes absolute symlinks relative to itself") {
        fs::TempDir dir(std::filesystem::temp_directory_path(), "xbuild-sysroot-test-");
        const auto from = dir.path() / "from";
        fs::make_dirs(from / "usr/lib/x86_64-linux-gnu");
        fs::write_file_atomic(from / "usr/lib/x86_64-linux-gnu/libm.so.6", "elf");
        std::filesystem::create_symlink("/usr/lib/x86_64-linux-gnu/libm.so.6",
                                        from / "usr/lib/x86_64-linux-gnu/libm.so");
        std::filesystem::create_symlink("usr/lib", from / "lib");
        link_tree_relative(from, dir.path() / "to");
        CHECK(std::filesystem::read_symlink(dir.path() / "to/usr/lib/x86_64-linux-gnu/libm.so") ==
              "libm.so.6");
        CHECK(std::filesystem::read_symlink(dir.path() / "to/lib") == "usr/lib");
        CHECK(fs::read_file(dir.path() / "to/lib/x86_64-linux-gnu/libm.so") == "elf");
        struct stat a {
        }, b{};
        ::stat((from / "usr/lib/x86_64-linux-gnu/libm.so.6").c_str(), &a);
        ::stat((dir.path() / "to/usr/lib/x86_64-linux-gnu/libm.so.6").c_str(), &b);
        CHECK(a.st_ino == b.st_ino);  // hard-linked, not copied
    }
}
