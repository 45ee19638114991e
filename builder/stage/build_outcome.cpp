#include "builder/stage/build_outcome.hpp"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/stage/key_lock.hpp"

namespace xbuild::stage {

void run_build_id(const StageContext& context, const std::filesystem::path& lock_file, const std::string& id,
                  const std::string& project, BuildOutcome& outcome, const std::function<void()>& body) {
    KeyLock build_lock(lock_file, context.reporter, fmt::format("{} of {}", id, project));
    std::error_code ignored;
    std::filesystem::remove(outcome.log, ignored);
    const auto start = std::chrono::steady_clock::now();
    try {
        body();
    } catch (const Error& error) {
        outcome.ok = false;
        outcome.error = error.what();
    }
    outcome.seconds = seconds_since(start);
    if (!outcome.ok) context.reporter.failure(id, outcome.error, outcome.log);
    build_lock.remove();
}

void add_outcome_json(nlohmann::json& item, const BuildOutcome& outcome) {
    item["ok"] = outcome.ok;
    item["cached"] = outcome.cached;
    item["seconds"] = outcome.seconds;
    item["build_seconds"] = outcome.build_seconds;
    item["test_seconds"] = outcome.test_seconds;
    item["log"] = outcome.log.string();
    if (!outcome.ok) item["error"] = outcome.error;
}

}  // namespace xbuild::stage
