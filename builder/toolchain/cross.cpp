#include "builder/toolchain/cross.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "builder/core/fs.hpp"
#include "builder/toolchain/sysroot.hpp"

namespace xbuild::toolchain {

namespace {

// binutils for the target: the cross ones in a cross stage (crossbuild-essential), else the stage's.
std::string binutil(const ToolchainSetup& setup, const char* tool) {
    return setup.cross ? fmt::format("{}-{}", setup.target.gnu_triplet, tool) : std::string(tool);
}

std::string pkg_config_libdir(const ToolchainSetup& setup) {
    return fmt::format("{0}/usr/lib/{1}/pkgconfig:{0}/usr/share/pkgconfig", k_sysroot_dir,
                       setup.target.gnu_triplet);
}

}  // namespace

std::vector<std::string> compiler_environment(const ToolchainSetup& setup) {
    std::vector<std::string> env{
        fmt::format("CC={}/bin/cc", k_tools_dir),
        fmt::format("CXX={}/bin/c++", k_tools_dir),
        "AR=" + binutil(setup, "ar"),
        "RANLIB=" + binutil(setup, "ranlib"),
        "STRIP=" + binutil(setup, "strip"),
        "READELF=" + binutil(setup, "readelf"),
        "PKG_CONFIG_LIBDIR=" + pkg_config_libdir(setup),
        fmt::format("PKG_CONFIG_SYSROOT_DIR={}", k_sysroot_dir),
        "PKG_CONFIG_PATH=",
        fmt::format("CMAKE_TOOLCHAIN_FILE={}/toolchain.cmake", k_tools_dir),
    };
    if (setup.cross)
        env.push_back(fmt::format("XBUILD_MESON_CROSS_FILE={}/meson-cross.ini", k_tools_dir));
    else
        env.push_back(fmt::format("XBUILD_MESON_NATIVE_FILE={}/meson-native.ini", k_tools_dir));
    return env;
}

std::string compiler_wrapper(const ToolchainSetup& setup, bool cxx) {
    const std::string triplet(setup.target.gnu_triplet);
    const std::string sysroot = k_sysroot_dir;
    std::string command;
    const char* launcher = setup.ccache ? "ccache " : "";
    if (!setup.emulated) {
        // -Qunused-arguments: the linker flags below are unused when compiling (and clang says so).
        command = fmt::format(
            "exec {}{} --target={} --sysroot={} -fuse-ld=lld -Qunused-arguments -L{}/usr/lib/{} "
            "\"$@\"",
            launcher, cxx ? "clang++" : "clang", triplet, sysroot, sysroot, triplet);
    } else {
        // gcc searches its own prefix (the build suite's crt files and libraries) before the
        // sysroot: -B and -L put the floor GCC's and the sysroot's first.
        const std::string gcc_dir = fmt::format("{}/usr/lib/gcc/{}/{}", sysroot, triplet, setup.floor.gcc);
        std::string cxx_headers;
        if (cxx)
            cxx_headers = fmt::format(
                " -nostdinc++ -isystem {0}/usr/include/c++/{1} -isystem {0}/usr/include/{2}/c++/{1} "
                "-isystem {0}/usr/include/c++/{1}/backward",
                sysroot, setup.floor.gcc, triplet);
        command = fmt::format("exec {}{} --sysroot={}{} -B{} -B{}/usr/lib/{} -L{} -L{}/usr/lib/{} \"$@\"",
                              launcher, cxx ? "g++" : "gcc", sysroot, cxx_headers, gcc_dir, sysroot, triplet,
                              gcc_dir, sysroot, triplet);
    }
    for (const std::string& dir : setup.after_includes) command += " -idirafter " + dir;
    return fmt::format(
        "#!/bin/sh\n"
        "# Written by xbuild: the {lang} compiler for {triplet} against the {floor} sysroot ({suite}'s\n"
        "# glibc {glibc}, GCC {gcc}'s libstdc++) at {sysroot}.\n"
        "# The build suite's /usr/include goes after the sysroot's headers, never before them.\n"
        "pending=\n"
        "for arg do\n"
        "  shift\n"
        "  if [ -n \"$pending\" ]; then\n"
        "    case $arg in\n"
        "      /usr/include|/usr/include/) set -- \"$@\" -idirafter /usr/include ;;\n"
        "      *) set -- \"$@\" \"$pending\" \"$arg\" ;;\n"
        "    esac\n"
        "    pending=\n"
        "    continue\n"
        "  fi\n"
        "  case $arg in\n"
        "    -I|-isystem) pending=$arg ;;\n"
        "    -I/usr/include|-I/usr/include/|-isystem/usr/include|-isystem/usr/include/)\n"
        "      set -- \"$@\" -idirafter /usr/include ;;\n"
        "    *) set -- \"$@\" \"$arg\" ;;\n"
        "  esac\n"
        "done\n"
        "[ -z \"$pending\" ] || set -- \"$@\" \"$pending\"\n"
        "{command}\n",
        fmt::arg("lang", cxx ? "C++" : "C"), fmt::arg("triplet", triplet),
        fmt::arg("floor", setup.floor.manylinux()), fmt::arg("suite", setup.floor.suite),
        fmt::arg("glibc", setup.floor.glibc), fmt::arg("gcc", setup.floor.gcc), fmt::arg("sysroot", sysroot),
        fmt::arg("command", command));
}

std::string cmake_toolchain_file(const ToolchainSetup& setup) {
    const std::string triplet(setup.target.gnu_triplet);
    std::string system;
    if (setup.cross)
        system =
            fmt::format("set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR {})\n", setup.target.uname);
    // Headers and libraries only from the sysroot; CMake packages (pybind11's config) and programs
    // also from the build suite.
    return fmt::format(
        "# Written by xbuild: {triplet} against the {floor} sysroot.\n"
        "{system}"
        "set(CMAKE_SYSROOT {sysroot})\n"
        "set(CMAKE_C_COMPILER {tools}/bin/cc)\n"
        "set(CMAKE_CXX_COMPILER {tools}/bin/c++)\n"
        "set(CMAKE_AR {ar} CACHE FILEPATH \"\")\n"
        "set(CMAKE_RANLIB {ranlib} CACHE FILEPATH \"\")\n"
        "set(CMAKE_STRIP {strip} CACHE FILEPATH \"\")\n"
        "set(CMAKE_LIBRARY_ARCHITECTURE {triplet})\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)\n"
        "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)\n",
        fmt::arg("triplet", triplet), fmt::arg("floor", setup.floor.manylinux()), fmt::arg("system", system),
        fmt::arg("sysroot", k_sysroot_dir), fmt::arg("tools", k_tools_dir),
        fmt::arg("ar", "/usr/bin/" + binutil(setup, "ar")),
        fmt::arg("ranlib", "/usr/bin/" + binutil(setup, "ranlib")),
        fmt::arg("strip", "/usr/bin/" + binutil(setup, "strip")));
}

std::string meson_machine_file(const ToolchainSetup& setup) {
    const Arch& target = setup.target;
    const std::string triplet(target.gnu_triplet);
    std::string family(target.uname == "armv7l" ? "arm" : target.uname == "i686" ? "x86" : target.uname);
    std::string text = fmt::format(
        "# Written by xbuild: {triplet} against the {floor} sysroot.\n"
        "[binaries]\n"
        "c = '{tools}/bin/cc'\n"
        "cpp = '{tools}/bin/c++'\n"
        "ar = '{ar}'\n"
        "strip = '{strip}'\n"
        "pkg-config = 'pkg-config'\n"
        "\n[properties]\n"
        "pkg_config_libdir = ['{sysroot}/usr/lib/{triplet}/pkgconfig', '{sysroot}/usr/share/pkgconfig']\n",
        fmt::arg("triplet", triplet), fmt::arg("floor", setup.floor.manylinux()),
        fmt::arg("tools", k_tools_dir), fmt::arg("ar", binutil(setup, "ar")),
        fmt::arg("strip", binutil(setup, "strip")), fmt::arg("sysroot", k_sysroot_dir));
    if (setup.cross)
        text += fmt::format(
            "sys_root = '{sysroot}'\n"
            "\n[host_machine]\n"
            "system = 'linux'\n"
            "cpu_family = '{family}'\n"
            "cpu = '{machine}'\n"
            "endian = '{endian}'\n",
            fmt::arg("sysroot", k_sysroot_dir), fmt::arg("family", family), fmt::arg("machine", target.uname),
            fmt::arg("endian", target.little_endian ? "little" : "big"));
    return text;
}

void write_toolchain_files(const std::filesystem::path& dir, const ToolchainSetup& setup) {
    fs::make_dirs(dir / "bin");
    fs::make_dirs(dir / "sysroot");
    fs::write_file_atomic(dir / "bin/cc", compiler_wrapper(setup, false), 0755);
    fs::write_file_atomic(dir / "bin/c++", compiler_wrapper(setup, true), 0755);
    fs::write_file_atomic(dir / "toolchain.cmake", cmake_toolchain_file(setup));
    fs::write_file_atomic(dir / (setup.cross ? "meson-cross.ini" : "meson-native.ini"),
                          meson_machine_file(setup));
}

}  // namespace xbuild::toolchain
