#pragma once
// The doctor use case: what this host has and lacks for building and testing each target arch.
#include <string>
#include <vector>

#include "app/session.hpp"
#include "builder/doctor/doctor.hpp"

namespace xbuild::app {

// The checks (arch_names empty: amd64 and arm64).
std::vector<doctor::Check> doctor_checks(const Session& session, const std::vector<std::string>& arch_names);
// Prints the report on stdout; true when every check passed.
bool doctor(const Session& session, const std::vector<std::string>& arch_names);

}  // namespace xbuild::app
