#pragma once
// The [build] table of a project's xbuild.toml: a compiled program (C or C++ with CMake, meson or make;
// Rust with cargo; Go) that `xbuild image` builds for each arch in the cross toolchain stage and
// installs into the image.
//
//   [build]
//   system = "cmake"                     # cmake | meson | make | cargo | go
//   build-packages = ["libyaml-dev"]     # Debian packages: build tools run, libraries are the target's
//   args = ["-DWITH_FOO=ON"]             # to the configure step (cmake, meson), make, cargo build, go build
//   install = ["bin/myservice"]          # globs relative to the prefix /usr/local (default: bin/*)
//   env = { FOO = "1" }                  # the build's environment
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::compiled {

enum class BuildSystem { cmake, meson, make, cargo, go };

std::string_view system_name(BuildSystem system);

struct BuildConfig {
    std::filesystem::path dir;  // the project directory (the source tree)
    std::string file;           // dir/xbuild.toml, for messages
    BuildSystem system = BuildSystem::cmake;
    std::vector<std::string> build_packages;
    std::vector<std::string> args;
    std::vector<std::string> install = {"bin/*"};
    std::vector<std::string> environment;  // KEY=VALUE, sorted by key
};

// The prefix programs are configured and installed with (DESTDIR installs below it).
inline constexpr std::string_view k_prefix = "/usr/local";

// dir/xbuild.toml's [build] table, or nullopt when it has none. Throws Error naming the file and key
// on bad input (an unknown system or key, a value of the wrong type, an install glob leaving the
// prefix).
std::optional<BuildConfig> load_build_config(const std::filesystem::path& dir);

}  // namespace xbuild::compiled
