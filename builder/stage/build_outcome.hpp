#pragma once
// What the language front ends share for each build id of a run (a wheel's build id, a prebuild's
// arch): the outcome's common fields, the run of one build id under its lock, their JSON.
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "builder/stage/context.hpp"

namespace xbuild::stage {

struct BuildOutcome {
    bool ok = false;
    bool cached = false;  // taken from the result cache: nothing was built or tested
    std::string error;    // the one-line error when !ok
    std::filesystem::path log;
    double seconds = 0;        // the whole build id
    double build_seconds = 0;  // the build in the toolchain stage (0 when cached)
    double test_seconds = 0;   // the tests in the test stages (0 when cached)
};

// Runs body for the build id `id` of `project`, which sets outcome.ok when it succeeds: one process at
// a time per lock_file (another one waits, then finds the result in the cache); the log of an older run
// removed first (a failure must never show it); an Error of body kept as outcome.error and reported
// with the log; outcome.seconds measured.
void run_build_id(const StageContext& context, const std::filesystem::path& lock_file, const std::string& id,
                  const std::string& project, BuildOutcome& outcome, const std::function<void()>& body);

// outcome's fields as members of item (error only when it failed).
void add_outcome_json(nlohmann::json& item, const BuildOutcome& outcome);

}  // namespace xbuild::stage
