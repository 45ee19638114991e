#pragma once
// The inspect use case: a wheel's or ELF file's arch, needed libraries, symbol versions and the tag it
// could have; with resolve, where each needed library resolves in a stage of the file's arch.
#include <string>
#include <vector>

#include "app/session.hpp"
#include "python/inspect.hpp"

namespace xbuild::app {

struct InspectRequest {
    std::string file;
    bool resolve = false;
    std::string suite = default_suite();  // with resolve: the stage's Debian suite (empty: the default)
    std::vector<std::string> packages;    // with resolve: extra Debian packages in that stage
};

python::InspectOutput inspect_file(const Session& session, const InspectRequest& request);

}  // namespace xbuild::app
