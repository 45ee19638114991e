#include "app/doctor.hpp"

#include <algorithm>

#include "builder/core/arch.hpp"
#include "builder/doctor/doctor.hpp"

namespace xbuild::app {

bool doctor(const Session& session, const std::vector<std::string>& arch_names) {
    std::vector<const Arch*> targets;
    for (const std::string& name :
         arch_names.empty() ? std::vector<std::string>{"amd64", "arm64"} : arch_names) {
        const Arch* arch = &arch_from_name(name);
        if (std::find(targets.begin(), targets.end(), arch) == targets.end()) targets.push_back(arch);
    }
    return doctor::print_report(doctor::run_checks(targets, session.cache()));
}

}  // namespace xbuild::app
