#pragma once
// Inside app/ only: what a use case builds from a Session for the length of one call.
#include <filesystem>

#include "app/session.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/stage/context.hpp"
#include "builder/stage/rootfs_cache.hpp"

namespace xbuild::app {

// The session's sandboxes: forked from this single-threaded process by the running binary, with the
// limits of the session, else the XBUILD_* variables, else the defaults.
sandbox::Launcher launcher(const Session& session);

// The session of a run of `jobs` builds at once: with more than one, this process becomes
// multithreaded, so its sandboxes are entered by re-executing this binary (the helper), as the
// language bindings do; a session that has a helper already keeps it.
Session session_for_jobs(const Session& session, unsigned jobs);

// The cache's work directory (created), where inputs are extracted into temporary directories.
std::filesystem::path work_dir(const Session& session);

// The reporter, the cache and the stage context of one use case's call.
struct Run {
    explicit Run(const Session& session);
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    Reporter reporter;
    stage::RootfsCache cache;
    stage::StageContext context;
};

}  // namespace xbuild::app
