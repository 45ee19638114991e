#pragma once
// `xbuild wheels`: plan → per target: toolchain stage → build → check → test stage → wheelhouse.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "builder/stage/build_outcome.hpp"
#include "python/project.hpp"
#include "python/wheel_stages.hpp"

namespace xbuild::python {

// How a build id's stages are made: from the Debian archive (wheel_stages.hpp), or, in the
// orchestration tests, from directories they prepared.
struct WheelStages {
    std::function<PreparedStage(const StageContext&, const PythonProject&, const WheelTarget&,
                                const Arch* multiarch)>
        toolchain = prepare_toolchain;
    std::function<PreparedStage(const StageContext&, const PythonProject&, const WheelTarget&,
                                const PreparedStage& toolchain)>
        test = prepare_test_stage;
};

struct WheelsOptions {
    std::filesystem::path source;  // project directory or sdist (.tar.gz)
    WheelOverrides overrides;
    bool emulate = false;
    std::filesystem::path output_dir;  // the wheelhouse
    bool keep_going = false;
    std::string only;  // cibuildwheel's --only: this build id alone, whatever archs, python and skip say
    // Build ids at once (stage/parallel.hpp); more than 1 needs a launcher that re-executes the helper.
    unsigned jobs = 1;
    WheelStages stages;
};

// build_seconds: the PEP 517 build; test_seconds: pip install and the test command.
struct WheelOutcome : stage::BuildOutcome {
    std::string build_id;
    std::filesystem::path wheel;  // in the wheelhouse
    // The build id whose abi3 wheel this one tested instead of building (empty: built its own).
    std::string abi3_from;
};

// Builds every target; outcomes in plan order. Without keep_going, stops at the first
// failure. A failed target writes nothing to the wheelhouse.
std::vector<WheelOutcome> build_wheels(const StageContext& context, const WheelsOptions& options);
// The plan's build ids ("cp313-manylinux_aarch64"), in build order, as cibuildwheel's
// --print-build-identifiers prints them; nothing is built.
std::vector<std::string> build_identifiers(const StageContext& context, const WheelsOptions& options);
// --print-config: the resolved configuration, where each key came from, per-build-id overrides and
// notes (python/config_report.hpp); nothing is built.
std::string config_report(const StageContext& context, const WheelsOptions& options);
// The summary printed at the end of a run: one row per build id (build id, tag, size, cached, build
// and test seconds; a failed one says FAILED).
std::string outcomes_table(const std::vector<WheelOutcome>& outcomes);
// The JSON form of --json.
std::string outcomes_json(const std::vector<WheelOutcome>& outcomes);

}  // namespace xbuild::python
