#pragma once
// What every use case of app/ shares: the settings of xbuild's global options. The CLI (cli/) and the
// language bindings fill one and call the use cases (app/*.hpp) with it.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/log.hpp"

namespace xbuild::app {

struct Session {
    std::string cache_dir;  // empty: $XBUILD_CACHE, $XDG_CACHE_HOME/xbuild, ~/.cache/xbuild
    std::string mirror;     // empty: $XBUILD_MIRROR, else the host's apt sources
    // The registry cache (README, Registry cache): repositories ("host[:port]/path") to pull missing
    // stage and result entries from, and to push every entry a run uses to. Both empty:
    // $XBUILD_CACHE_REGISTRY for both, else none.
    std::string cache_from, cache_to;
    Verbosity verbosity = Verbosity::normal;
    // Sandbox limits as the user spelled them ("4096", "2g", "30m"); empty: the XBUILD_* variable,
    // else the default.
    std::string pids_limit, memory, tmpfs_size, shm_size, timeout;
    // The xbuild binary that enters sandboxes for a host process that may be multithreaded (a Python
    // or Node binding: never clone or pivot_root in it). Empty: this process is the single-threaded
    // xbuild binary (the CLI), which forks the sandbox's init itself.
    std::filesystem::path helper;
    // Where progress lines go (a binding's callback); empty: stderr.
    ProgressSink progress;

    Reporter reporter() const { return Reporter(verbosity, progress); }
    std::filesystem::path cache() const;
};

// The Debian suite of the build stages when a request names none ("trixie").
std::string default_suite();

// After a run over build ids or archs (outcomes with ok, error and log): throws one Error for one
// failure, with its log, or how many of `what` failed and where their logs are.
template <class Outcome>
void fail_on_failures(const std::vector<Outcome>& outcomes, std::string_view what) {
    int failed = 0;
    for (const auto& outcome : outcomes) failed += outcome.ok ? 0 : 1;
    if (failed == 1)
        for (const auto& outcome : outcomes)
            if (!outcome.ok) fail("{} (log: {})", outcome.error, outcome.log.string());
    if (failed > 1)
        fail("{} of {} {} failed (logs: {})", failed, outcomes.size(), what,
             outcomes.front().log.parent_path().string());
}

// For a front end that is not the xbuild binary (the Python module): the recipes read are the ones
// beside session.helper, which that binary reads itself (builder/stage/recipes.hpp).
void use_helper_recipes(const Session& session);
// For a front end whose package keeps the recipes elsewhere (the npm package's share/xbuild/recipes);
// an empty dir unsets it.
void use_recipes_dir(const std::filesystem::path& dir);

// The sandbox helper is this binary re-executed (builder/sandbox/launcher.hpp): true when argv is
// such a re-exec; sandbox_helper_main then runs it and returns the exit status.
bool is_sandbox_helper(int argc, char** argv);
int sandbox_helper_main(int argc, char** argv);

}  // namespace xbuild::app
