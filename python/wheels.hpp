#pragma once
// `xbuild wheels`: plan → per target: toolchain stage → build → check → test stage → wheelhouse.
#include <filesystem>
#include <string>
#include <vector>

#include "python/project.hpp"
#include "python/wheel_stages.hpp"

namespace xbuild::python {

struct WheelsOptions {
    std::filesystem::path source;  // project directory or sdist (.tar.gz)
    WheelOverrides overrides;
    bool emulate = false;
    std::filesystem::path output_dir;  // the wheelhouse
    bool keep_going = false;
};

struct WheelOutcome {
    std::string build_id;
    bool ok = false;
    bool cached = false;
    std::filesystem::path wheel;  // in the wheelhouse
    std::string error;
    std::filesystem::path log;
    double seconds = 0;        // the whole build id
    double build_seconds = 0;  // the PEP 517 build in the toolchain stage (0 when cached)
    double test_seconds = 0;   // pip install + test command in the runtime stage
    // The build id whose abi3 wheel this one tested instead of building (empty: built its own).
    std::string abi3_from;
};

// Builds every target; outcomes in plan order. Without keep_going, stops at the first
// failure. A failed target writes nothing to the wheelhouse.
std::vector<WheelOutcome> build_wheels(const StageContext& context, const WheelsOptions& options);
// The JSON form of --json.
std::string outcomes_json(const std::vector<WheelOutcome>& outcomes);

}  // namespace xbuild::python
