#pragma once
// Running a plan's build ids at once (`-j N`): the plan is split into chains, whose first build id
// must finish before the rest of its chain starts (the rest then depend on nothing but it: the abi3
// wheel of an arch is built by its oldest Python and only tested by the others). At most `jobs`
// build ids run at a time, each on a thread of its own; the firsts of every chain go first, in plan
// order. A process running several build ids is multithreaded: its sandboxes must be entered
// through the re-exec helper (the caller's launcher), never forked from it.
#include <cstddef>
#include <functional>
#include <vector>

namespace xbuild::stage {

// Runs run(i) for every index of every chain (chains hold indexes into the caller's plan). run
// returns false for a failed build id; with keep_going false, nothing more starts after a failure
// (those running finish). An exception from run (an interrupt) stops the scheduling as a failure
// does and is rethrown once every thread has finished. Returns which indexes ran. With jobs 1, no
// thread: the plan's indexes in order, on the caller's thread.
std::vector<bool> run_chains(const std::vector<std::vector<std::size_t>>& chains, std::size_t plan_size,
                             unsigned jobs, bool keep_going, const std::function<bool(std::size_t)>& run);

// The number of build ids to run at once: requested when positive, else the machine's cores.
unsigned effective_jobs(int requested);

}  // namespace xbuild::stage
