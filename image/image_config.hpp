#pragma once
// The [image] table of a project's xbuild.toml: what an image is made of (a distroless-style base
// of the suite's interpreter, extra runtime packages, wheels and Node packages to install, app files)
// and how it runs (entrypoint, cmd, env, workdir, user, labels, ports). Command-line options and
// XBUILD_* variables override it.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace xbuild::image {

// python3, nodejs: the suite's interpreter; cc: glibc, libgcc and libstdc++ (distroless/cc), for
// dynamically linked programs; static_files: only /etc files, CA certificates and tzdata
// (distroless/static, "static" in xbuild.toml), for statically linked programs.
enum class BaseKind { python3, nodejs, cc, static_files };

struct FileCopy {
    std::string from;  // a path or glob ('*', '?', '[...]' in the last components) relative to the project
    std::string to;    // image path: a directory when it ends with '/' (or several files match), else a file
};

struct ImageConfig {
    std::filesystem::path dir;   // the project directory holding xbuild.toml
    std::string cache_registry;  // [cache] registry: the registry cache (README, Registry cache)
    std::string tag;             // "name:tag" (or a registry reference)
    BaseKind base = BaseKind::python3;
    std::string suite;                       // Debian suite of the base (trixie)
    std::vector<std::string> archs;          // empty: the host's
    std::vector<std::string> packages;       // extra Debian runtime packages
    bool shell = false;                      // keep a shell (dash as /bin/sh) in the image
    std::vector<std::string> wheels;         // Python project dirs (built by xbuild wheels) or .whl files
    std::vector<std::string> node_packages;  // Node addon package dirs (built by xbuild prebuild)
    bool compile_bytecode = false;           // byte-compile installed Python files
    std::vector<FileCopy> files;
    std::vector<std::string> entrypoint;  // empty: the base's interpreter
    std::vector<std::string> cmd;
    std::map<std::string, std::string> env;
    std::string workdir;               // empty: "/"
    std::string user = "65532:65532";  // distroless' nonroot
    std::map<std::string, std::string> labels;
    std::vector<std::string> ports;  // "8080/tcp", "53/udp"
};

struct ImageOverrides {  // the command line
    std::string tag;
    std::vector<std::string> archs;
};

// Reads dir/xbuild.toml ([image]). Precedence: the file < command line < XBUILD_ARCHS. Throws Error
// naming the file (and line or key) on bad input, or the directory when it has no xbuild.toml.
ImageConfig load_image_config(const std::filesystem::path& dir, const ImageOverrides& overrides);

std::string_view base_name(BaseKind kind);  // "python3", "nodejs", "cc", "static"

}  // namespace xbuild::image
