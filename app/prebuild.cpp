#include "app/prebuild.hpp"

#include "app/run.hpp"
#include "builder/stage/parallel.hpp"

namespace xbuild::app {

PrebuildResult build_prebuilds(const Session& session, const PrebuildRequest& request) {
    node::PrebuildOptions options;
    options.source = request.source;
    options.overrides = {request.archs, request.glibc, request.test_suites};
    options.emulate = request.emulate;
    options.abi = request.abi;
    options.strip = request.strip;
    if (!request.output.empty()) options.output_dir = request.output;
    options.keep_going = request.keep_going;
    options.jobs = stage::effective_jobs(request.jobs);
    Run run(session_for_jobs(session, options.jobs));
    return {node::build_prebuilds(run.context, options)};
}

}  // namespace xbuild::app
