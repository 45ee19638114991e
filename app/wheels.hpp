#pragma once
// The wheels use case: build, repair and test a Python project's wheels for each arch and Python.
#include <string>
#include <vector>

#include "app/session.hpp"
#include "python/wheels.hpp"

namespace xbuild::app {

struct WheelsRequest {
    std::string source = ".";          // project directory or sdist (.tar.gz)
    std::vector<std::string> archs;    // empty: [tool.xbuild] archs, else the host's
    std::vector<std::string> pythons;  // empty: [tool.xbuild] python, else all requires-python allows
    std::string manylinux;             // the floor ("2_31"); empty: [tool.xbuild] manylinux, else 2_31
    bool emulate = false;              // compile under qemu in a target-arch toolchain stage
    std::string output = "wheelhouse";
    bool keep_going = false;
    std::string only;       // one build id alone (cibuildwheel's --only): its arch and Python from the id
    int jobs = 1;           // build ids at once; 0: the number of cores (the CLI's default)
    std::string index_url;  // a PEP 503 index for build requirements (--index-url)
};

struct WheelsResult {
    std::vector<python::WheelOutcome> outcomes;  // one per build id, in build order

    std::string json() const { return python::outcomes_json(outcomes); }
    std::string table() const { return python::outcomes_table(outcomes); }
    // Throws Error naming the failed build id (or how many failed) and the log.
    void check() const { fail_on_failures(outcomes, "build ids"); }
};

WheelsResult build_wheels(const Session& session, const WheelsRequest& request);
// The build ids the request would build, in order (--print-build-identifiers); builds nothing.
std::vector<std::string> wheel_build_identifiers(const Session& session, const WheelsRequest& request);
// The resolved configuration and where each key came from (--print-config); builds nothing.
std::string wheel_config(const Session& session, const WheelsRequest& request);

}  // namespace xbuild::app
