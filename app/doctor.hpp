#pragma once
// The doctor use case: what this host has and lacks for building and testing each target arch.
#include <string>
#include <vector>

#include "app/session.hpp"

namespace xbuild::app {

// Prints the report on stdout; true when every check passed. arch_names empty: amd64 and arm64.
bool doctor(const Session& session, const std::vector<std::string>& arch_names);

}  // namespace xbuild::app
