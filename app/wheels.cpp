#include "app/wheels.hpp"

#include "app/run.hpp"

namespace xbuild::app {

WheelsResult build_wheels(const Session& session, const WheelsRequest& request) {
    Run run(session);
    python::WheelsOptions options;
    options.source = request.source;
    options.overrides = {request.archs, request.pythons, request.manylinux};
    options.emulate = request.emulate;
    options.output_dir = std::filesystem::absolute(request.output);
    options.keep_going = request.keep_going;
    return {python::build_wheels(run.context, options)};
}

}  // namespace xbuild::app
