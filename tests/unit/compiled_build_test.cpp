// The build of a compiled program without a sandbox: each system's script and environment, the
// missing-dependency messages read from logs, cgo detection, and the install globs' selection.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/toolchain/floor.hpp"
#include "compiled/build.hpp"

using namespace xbuild;
using namespace xbuild::compiled;
namespace stdfs = std::filesystem;
using Strings = std::vector<std::string>;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void write(const stdfs::path& file, const std::string& content, unsigned mode = 0644) {
    fs::make_dirs(file.parent_path());
    fs::write_file_atomic(file, content, mode);
}

bool has_entry(const Strings& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
}

BuildConfig config_of(BuildSystem system) {
    BuildConfig config;
    config.system = system;
    config.file = "/p/xbuild.toml";
    config.args = {"-DX=a b"};
    return config;
}

}  // namespace

TEST_SUITE("compiled build") {
    TEST_CASE("each system configures, builds and installs below DESTDIR with the prefix /usr/local") {
        const Arch& arm64 = arch_from_name("arm64");
        auto cmake = build_script(config_of(BuildSystem::cmake), arm64, 2);
        CHECK(has(
            cmake,
            "-DCMAKE_INSTALL_PREFIX=/usr/local -DCMAKE_TOOLCHAIN_FILE=/xbuild/toolchain.cmake '-DX=a b'"));
        CHECK(has(cmake, "DESTDIR=/out/install cmake --install /build"));
        auto meson = build_script(config_of(BuildSystem::meson), arm64, 2);
        CHECK(has(meson,
                  "meson setup /build /src --prefix=/usr/local --buildtype=release \"$machine\" '-DX=a b'"));
        CHECK(has(meson, "DESTDIR=/out/install meson install"));
        auto make = build_script(config_of(BuildSystem::make), arm64, 2);
        CHECK(has(make, "make install DESTDIR=/out/install PREFIX=/usr/local prefix=/usr/local '-DX=a b'"));
        auto cargo = build_script(config_of(BuildSystem::cargo), arm64, 2);
        CHECK(
            has(cargo, "cargo build --release --offline --target aarch64-unknown-linux-gnu -j 2 '-DX=a b'"));
        CHECK(has(cargo, "/build/target/aarch64-unknown-linux-gnu/release"));
        auto go = build_script(config_of(BuildSystem::go), arm64, 2);
        CHECK(has(go,
                  "go build -trimpath -buildvcs=false -p 2 '-DX=a b' -o /out/install/usr/local/bin/ ./..."));
        CHECK(rust_target(arch_from_name("amd64")) == "x86_64-unknown-linux-gnu");
    }
    TEST_CASE("cargo's target linker and Go's platform come from the target arch") {
        const auto& floor = toolchain::find_floor("2_41", "test");
        toolchain::ToolchainSetup setup{arch_from_name("arm64"), floor, true, false};
        auto config = config_of(BuildSystem::cargo);
        config.environment = {"RUSTFLAGS=-Copt-level=2"};
        auto env = build_environment(config, setup, false, "/c");
        CHECK(has_entry(env, "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=/xbuild/bin/cc"));
        CHECK(env.back() == "RUSTFLAGS=-Copt-level=2");  // the project's env comes last: it wins
        auto go = build_environment(config_of(BuildSystem::go), setup, true, "/c/go-build");
        CHECK(has_entry(go, "GOARCH=arm64"));
        CHECK(has_entry(go, "CGO_ENABLED=1"));
        CHECK(has_entry(go, "GOPROXY=off"));
        CHECK(has_entry(go, "GOCACHE=/c/go-build"));
        CHECK(has_entry(build_environment(config_of(BuildSystem::go), setup, false, "/c"), "CGO_ENABLED=0"));
    }
    TEST_CASE("a missing dependency is named from the log") {
        CHECK(has(
            missing_dependency(config_of(BuildSystem::cargo),
                               "error: no matching package named `serde_yaml` found\nlocation searched"),
            "the crate 'serde_yaml' is neither vendored in the project (cargo vendor) nor packaged by Debian "
            "in [build] build-packages (librust-serde-yaml-dev)"));
        CHECK(has(
            missing_dependency(config_of(BuildSystem::go),
                               "main.go:4:2: no required module provides package github.com/x/y; to add it:"),
            "the Go package 'github.com/x/y' is neither vendored in the project (go mod vendor)"));
        CHECK(has(
            missing_dependency(config_of(BuildSystem::go),
                               "go: downloading github.com/google/uuid v1.6.0\nmain.go:13:2: module lookup "
                               "disabled by GOPROXY=off\n"),
            "the Go package 'github.com/google/uuid' is neither vendored"));
        CHECK(
            has(missing_dependency(config_of(BuildSystem::cmake),
                                   "-- Checking for module 'yaml-0.1'\n--   Package 'yaml-0.1', required by "
                                   "'virtual:world', not found\n"),
                "the pkg-config module 'yaml-0.1' is not in the target's sysroot"));
        CHECK(has(
            missing_dependency(config_of(BuildSystem::cmake), "Could NOT find ZLIB (missing: ZLIB_LIBRARY)"),
            "CMake could not find the package 'ZLIB'"));
        CHECK(missing_dependency(config_of(BuildSystem::cmake), "error: expected ';'").empty());
    }
    TEST_CASE("cgo is found by an import of \"C\", alone or in a group") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-cgo-");
        fs::write_file_atomic(dir.path() / "main.go", "package main\nimport \"fmt\"\nfunc main() {}\n");
        CHECK_FALSE(go_uses_cgo(dir.path()));
        write(dir.path() / "sub/c.go", "package sub\n\n// #include <stdio.h>\nimport \"C\"\n");
        CHECK(go_uses_cgo(dir.path()));
    }
    TEST_CASE("install globs choose what goes into the image; a glob matching nothing is an error") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-select-");
        const stdfs::path installed = dir.path() / "install", local = installed / "usr/local";
        write(local / "bin/tool", "elf", 04755);
        write(local / "lib/libx.so.1.0", "lib");
        stdfs::create_symlink("libx.so.1.0", local / "lib/libx.so.1");
        write(local / "share/doc/x/README", "doc");
        write(local / "share/x/data/a.txt", "a");
        auto config = config_of(BuildSystem::cmake);
        config.install = {"bin/*", "lib/*.so.1", "share/x"};
        auto copied = select_installed(config, installed, dir.path() / "image");
        CHECK(copied ==
              Strings{"/usr/local/bin/tool", "/usr/local/lib/libx.so.1", "/usr/local/share/x/data/a.txt"});
        const stdfs::path image = dir.path() / "image/usr/local";
        CHECK(stdfs::is_symlink(image / "lib/libx.so.1"));
        CHECK(stdfs::read_symlink(image / "lib/libx.so.1") == "libx.so.1.0");  // copied as the link it is
        CHECK_FALSE(stdfs::exists(image / "share/doc"));
        struct stat st {};
        REQUIRE(::stat((image / "bin/tool").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0755);  // no setuid bit from a build

        config.install = {"bin/*", "sbin/*"};
        try {
            select_installed(config, installed, dir.path() / "again");
            FAIL("no error");
        } catch (const Error& error) {
            CHECK(has(error.what(),
                      "/p/xbuild.toml: [build] install 'sbin/*' matches nothing the build installed "
                      "under /usr/local (bin, bin/tool, lib,"));
        }
        try {
            select_installed(config, dir.path() / "empty", dir.path() / "again");
            FAIL("no error");
        } catch (const Error& error) {
            CHECK(has(error.what(), "the build installed nothing under /usr/local"));
        }
    }
}
