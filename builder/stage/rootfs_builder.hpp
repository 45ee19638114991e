#pragma once
// Makes a stage's rootfs with mmdebstrap (it runs maintainer scripts correctly, and
// handles multiarch and foreign architectures).
#include <filesystem>
#include <string>

#include "builder/core/log.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::stage {

struct RootfsBuild {
    std::filesystem::path root;      // the tree to create (must not exist)
    std::filesystem::path manifest;  // "package<TAB>arch<TAB>version" lines, sorted
    std::filesystem::path log;       // mmdebstrap's full output
    // Extract-only stages: when set, each package's control paragraph and md5sums are written
    // there as <package> and <package>.md5sums (what /var/lib/dpkg/status.d holds in distroless
    // images, for scanners).
    std::filesystem::path controls;
    // Extract-only stages: when set, each package's paths (`tar -t` of its data, "./usr/...") are
    // written there as <package>.list, what dpkg keeps in /var/lib/dpkg/info.
    std::filesystem::path lists;
};

// mmdebstrap --mode for the current user and stage kind. Throws Error when the stage
// cannot be built by this user (a toolchain stage needs root or /etc/subuid ranges).
std::string mmdebstrap_mode(StageKind kind);

// Throws Error from the first apt error in log: "unknown package 'x' in <what> ...", for a resolver
// failure (held broken packages) the first package apt lists with unmet dependencies ("building
// <what> failed: cannot install 'x:arm64': it depends on y:arm64 (< 3.15) but it is not going to be
// installed"), else "building <what> failed: <first E: line>".
[[noreturn]] void fail_from_apt_log(const std::string& what, const std::filesystem::path& log, int exit_code);

// Builds spec's rootfs at out.root. On failure throws Error with the first apt error
// ("unknown package 'x' ...") and leaves cleaning up to the caller. mmdebstrap runs supervised
// (builder/core/supervisor.hpp): out.root's parent directory is flock'ed shared until it and
// every process it started are dead, and as root its mounts live in a private mount namespace.
void build_rootfs(const StageSpec& spec, const std::string& variant, const RootfsBuild& out);

}  // namespace xbuild::stage
