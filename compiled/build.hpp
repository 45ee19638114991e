#pragma once
// The build of a compiled program for one arch, network off, in its toolchain stage: the project's
// copy at /src, a scratch build directory at /build, the toolchain files at /xbuild (compiler
// wrappers against the sysroot, the CMake toolchain file, the meson machine file) and the sysroot at
// /xbuild/sysroot. Each system installs below DESTDIR=/out/install with the prefix /usr/local:
//   cmake  cmake -G Ninja with the toolchain file, --build, --install
//   meson  meson setup with the cross (or native) file, compile, install
//   make   make with CC/CXX/AR/PKG_CONFIG_* of the target in the environment, make install DESTDIR PREFIX
//   cargo  cargo build --release --offline --target <rust triple>, the target's linker the C wrapper;
//          its executables count as bin/<name>
//   go     go build -trimpath -o bin/ ./... with GOOS/GOARCH (cgo through the C wrapper when a source
//          file imports "C"); its executables count as bin/<name>
// Dependencies come from the project (cargo vendor, go mod vendor) or Debian (build-packages; Rust
// crates from /usr/share/cargo/registry): a missing one is an error naming it.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/stage/compile_cache.hpp"
#include "builder/stage/context.hpp"
#include "builder/toolchain/cross.hpp"
#include "compiled/config.hpp"

namespace xbuild::compiled {

// Rust's name of arch ("aarch64-unknown-linux-gnu"); throws Error for an arch Debian's Rust lacks.
std::string rust_target(const Arch& arch);

// The shell script of the build (run with sh -e in /src).
std::string build_script(const BuildConfig& config, const Arch& arch, unsigned jobs);
// The build's environment: the toolchain's compilers and the system's variables (cargo's target
// linker, GOOS/GOARCH/CGO_ENABLED), then the project's env.
// go_cache: Go's build cache (GOCACHE) inside the sandbox.
std::vector<std::string> build_environment(const BuildConfig& config, const toolchain::ToolchainSetup& setup,
                                           bool uses_cgo, const std::string& go_cache);
// Whether a Go source file of the project (vendor/ included) imports "C".
bool go_uses_cgo(const std::filesystem::path& dir);
// The one-line reason of a failed build from its log, when it is a missing dependency: the crate,
// Go package, pkg-config module or CMake package named; "" otherwise.
std::string missing_dependency(const BuildConfig& config, const std::string& log);

struct BuildRequest {
    const BuildConfig& config;
    const Arch& arch;
    const toolchain::Floor& floor;          // the sysroot's
    const stage::PreparedStage& toolchain;  // with its sysroot
    std::filesystem::path work;             // scratch: work/src, work/build, work/out, work/xbuild
    std::filesystem::path log;              // appended
    long long source_date_epoch = 0;
    std::optional<stage::CompileCache> ccache = std::nullopt;
};

// Builds and installs; returns the install tree (work/out/install: usr/local/...). Throws Error
// "<arch>: build failed (exit N)" (or naming the missing dependency) when the build fails.
std::filesystem::path build_program(const stage::StageContext& context, const BuildRequest& request);

// Copies what the install globs match in installed (a DESTDIR tree: usr/local/...) into dest (an image
// root), paths kept; a glob matching a directory takes its tree. Returns the image paths copied
// ("/usr/local/bin/x"), sorted. Only regular files, directories and symlinks are taken (a symlink
// as the link itself). Throws Error naming the glob that matched nothing, with what was installed.
std::vector<std::string> select_installed(const BuildConfig& config, const std::filesystem::path& installed,
                                          const std::filesystem::path& dest);

}  // namespace xbuild::compiled
