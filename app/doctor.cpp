#include "app/doctor.hpp"

#include "builder/core/arch.hpp"
#include "builder/doctor/doctor.hpp"

namespace xbuild::app {

std::vector<doctor::Check> doctor_checks(const Session& session, const std::vector<std::string>& arch_names) {
    const auto targets =
        archs_from_names(arch_names.empty() ? std::vector<std::string>{"amd64", "arm64"} : arch_names);
    return doctor::run_checks(targets, session.cache());
}

bool doctor(const Session& session, const std::vector<std::string>& arch_names) {
    return doctor::print_report(doctor_checks(session, arch_names));
}

}  // namespace xbuild::app
