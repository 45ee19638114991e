#pragma once
// Shared by the CLI's command files: global options and the option structs of each command.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/log.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::cli {

struct GlobalOptions {
    std::string cache_dir;
    std::string mirror;
    bool verbose = false;
    bool quiet = false;
    // Sandbox limits (empty: XBUILD_* variable, else the default).
    std::string pids_limit, memory, tmpfs_size, shm_size, timeout;

    Reporter reporter() const {
        return Reporter(quiet ? Verbosity::quiet : verbose ? Verbosity::verbose : Verbosity::normal);
    }
    std::filesystem::path cache() const {
        return cache_dir.empty() ? stage::default_cache_dir() : std::filesystem::path(cache_dir);
    }
    // The CLI's sandboxes: forked from this single-threaded process, with the limits of the options,
    // else the XBUILD_* variables, else the defaults.
    sandbox::Launcher launcher() const;
};

// The running xbuild binary (the sandbox helper and the Launcher's helper_exe).
std::filesystem::path self_exe();

// After a run over build ids or archs (outcomes with ok, error and log): one error line for one
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

struct SandboxRunOptions {
    std::string suite = std::string(stage::k_default_suite);
    std::string arch;
    std::string target;
    std::string kind = "runtime";
    std::vector<std::string> packages;
    std::vector<std::string> binds;
    bool network = false;
    std::vector<std::string> env;
    std::string workdir = "/";
    std::vector<std::string> command;
};

struct WheelsCliOptions {
    std::string source = ".";
    std::vector<std::string> archs;
    std::vector<std::string> pythons;
    std::string manylinux;  // the floor: "2_31"
    bool emulate = false;
    std::string output = "wheelhouse";
    bool keep_going = false;
    bool json = false;
};

struct PrebuildCliOptions {
    std::string source = ".";
    std::vector<std::string> archs;
    std::string glibc;  // the floor: "2.31"
    std::vector<std::string> test_suites;
    bool emulate = false;
    bool abi = false;
    bool strip = false;
    std::string output;  // default: <source>/prebuilds
    bool keep_going = false;
    bool json = false;
};

struct ImageCliOptions {
    std::string source = ".";
    std::vector<std::string> archs;
    std::string tag;
    std::string output;  // default: image.tar unless --layout or --push alone
    std::string format = "oci";
    std::string layout;
    bool push = false;
    bool json = false;
};

struct RepairCliOptions {
    std::vector<std::string> wheels;
    std::string output = "wheelhouse";
    std::string plat;
    bool only_plat = false;
    bool strip = false;
    std::string suite = std::string(stage::k_default_suite);
    std::vector<std::string> packages;
};

int sandbox_run(const GlobalOptions& global, const SandboxRunOptions& options);
int cache_ls(const GlobalOptions& global);
int cache_prune(const GlobalOptions& global, const std::string& older_than);
int doctor_command(const GlobalOptions& global, const std::vector<std::string>& arch_names);
int wheels_command(const GlobalOptions& global, const WheelsCliOptions& options);
int prebuild_command(const GlobalOptions& global, const PrebuildCliOptions& options);
int image_command(const GlobalOptions& global, const ImageCliOptions& options);
int repair_command(const GlobalOptions& global, const RepairCliOptions& options);
struct InspectCliOptions {
    std::string file;
    bool json = false;
    bool resolve = false;
    std::string suite = std::string(stage::k_default_suite);
    std::vector<std::string> packages;
};
int inspect_command(const GlobalOptions& global, const InspectCliOptions& options);

}  // namespace xbuild::cli
