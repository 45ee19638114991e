#pragma once
// `xbuild prebuild`: plan → fetch (network) → per arch: toolchain stage → build (no network) →
// check and graft → test stage (node-gyp-build under the target arch) → prebuilds/.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "builder/stage/build_outcome.hpp"
#include "node/project.hpp"
#include "node/stages.hpp"

namespace xbuild::node {

// How the stages of a run are made: from the Debian archive (stages.hpp), or, in the orchestration
// tests, from directories they prepared.
struct PrebuildStages {
    std::function<PreparedStage(const StageContext&, const std::string& suite, const Arch* multiarch)>
        host_toolchain = prepare_host_toolchain;
    std::function<stage::CacheEntry(const StageContext&, const PreparedStage& host_base)> tools =
        ensure_node_tools;
    std::function<PreparedStage(const StageContext&, const NodeProject&, const NodeTarget&,
                                const PreparedStage& host_base)>
        toolchain = prepare_toolchain;
    std::function<PreparedStage(const StageContext&, const NodeProject&, const Arch&,
                                const std::string& suite)>
        test = prepare_test_stage;
};

struct PrebuildOptions {
    std::filesystem::path source;  // the package directory
    PrebuildOverrides overrides;
    bool emulate = false;
    bool abi = false;  // build V8/NAN addons for the suite Node's ABI
    bool strip = false;
    std::filesystem::path output_dir;  // default: <source>/prebuilds
    bool keep_going = false;
    // Archs at once (stage/parallel.hpp); more than 1 needs a launcher that re-executes the helper.
    unsigned jobs = 1;
    PrebuildStages stages;
};

struct PrebuildOutcome : stage::BuildOutcome {
    std::string arch;                      // Node's name: x64, arm64
    std::filesystem::path prebuild;        // output_dir/linux-<arch>/<name>.napi.glibc.node
    std::vector<std::string> grafted;      // file names written beside it
    std::vector<std::string> executables;  // the package's programs written beside it
    std::string glibc_floor;               // "2.17"
    std::string newest_glibcxx;            // "GLIBCXX_3.4.29"
};

// Builds every arch of the plan; outcomes in plan order. Without keep_going, stops at the first
// failure. A failed arch writes nothing to output_dir. Plan errors (no package.json, nothing to
// build, an unknown arch, a V8 addon without abi) are thrown before anything is built.
std::vector<PrebuildOutcome> build_prebuilds(const StageContext& context, const PrebuildOptions& options);
// The JSON form of --json.
std::string outcomes_json(const std::vector<PrebuildOutcome>& outcomes);

}  // namespace xbuild::node
