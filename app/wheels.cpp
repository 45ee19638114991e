#include "app/wheels.hpp"

#include "app/run.hpp"
#include "builder/stage/parallel.hpp"

namespace xbuild::app {

namespace {

python::WheelsOptions wheels_options(const WheelsRequest& request) {
    python::WheelsOptions options;
    options.source = request.source;
    options.overrides = {request.archs, request.pythons, request.manylinux, request.index_url};
    options.emulate = request.emulate;
    options.output_dir = std::filesystem::absolute(request.output);
    options.keep_going = request.keep_going;
    options.only = request.only;
    options.jobs = stage::effective_jobs(request.jobs);
    return options;
}

}  // namespace

WheelsResult build_wheels(const Session& session, const WheelsRequest& request) {
    const python::WheelsOptions options = wheels_options(request);
    Run run(session_for_jobs(session, options.jobs));
    return {python::build_wheels(run.context, options)};
}

std::vector<std::string> wheel_build_identifiers(const Session& session, const WheelsRequest& request) {
    Run run(session);
    return python::build_identifiers(run.context, wheels_options(request));
}

std::string wheel_config(const Session& session, const WheelsRequest& request) {
    Run run(session);
    return python::config_report(run.context, wheels_options(request));
}

}  // namespace xbuild::app
