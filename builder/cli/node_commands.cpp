// The CLI's Node commands: prebuild.
#include <cstdio>

#include <fmt/format.h>

#include "builder/cli/options.hpp"
#include "builder/core/error.hpp"
#include "builder/stage/apt_sources.hpp"
#include "node/prebuilds.hpp"

namespace xbuild::cli {

int prebuild_command(const GlobalOptions& global, const PrebuildCliOptions& options) {
    Reporter reporter = global.reporter();
    stage::RootfsCache cache(global.cache());
    stage::StageContext context{cache, global.launcher(), stage::resolve_mirror(global.mirror), reporter};
    node::PrebuildOptions prebuild;
    prebuild.source = options.source;
    prebuild.overrides = {options.archs, options.glibc, options.test_suites};
    prebuild.emulate = options.emulate;
    prebuild.abi = options.abi;
    prebuild.strip = options.strip;
    if (!options.output.empty()) prebuild.output_dir = options.output;
    prebuild.keep_going = options.keep_going;
    auto outcomes = node::build_prebuilds(context, prebuild);
    if (options.json) std::puts(node::outcomes_json(outcomes).c_str());
    fail_on_failures(outcomes, "archs");
    return 0;
}

}  // namespace xbuild::cli
