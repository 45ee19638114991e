#pragma once
// The repair use case (auditwheel repair for any arch): each wheel's external libraries grafted in from
// a stage of the wheel's arch, and its honest manylinux tags.
#include <filesystem>
#include <string>
#include <vector>

#include "app/session.hpp"
#include "python/repair.hpp"

namespace xbuild::app {

struct RepairRequest {
    std::vector<std::string> wheels;
    std::string output = "wheelhouse";
    std::string plat;        // a policy or tag the wheel must meet; the lowest it meets is kept too
    bool only_plat = false;  // only plat's tag (needs plat)
    bool strip = false;
    std::string suite = default_suite();  // the stage's Debian suite; empty: the default build suite
    std::vector<std::string> packages;    // Debian packages providing the libraries to graft
    std::vector<std::string> exclude;     // sonames (globs) left to the system
    std::string lib_sdir = ".libs";       // the grafts' directory suffix
};

// One per wheel, in order. The epoch of the written files is $SOURCE_DATE_EPOCH, else 1980-01-01.
std::vector<python::RepairResult> repair_wheels(const Session& session, const RepairRequest& request);

}  // namespace xbuild::app
