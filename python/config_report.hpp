#pragma once
// `xbuild wheels --print-config`: every key of the resolved configuration, its value and where it
// came from ([tool.cibuildwheel], an override, CIBW_*, [tool.xbuild], the command line, XBUILD_*),
// the build ids whose cibuildwheel overrides change a key, and the notes on options not honoured.
#include <string>
#include <vector>

#include "python/project.hpp"
#include "python/targets.hpp"

namespace xbuild::python {

// configs[i] is targets[i]'s config (PythonProject::config_for).
std::string format_config(const PythonProject& project, const std::vector<WheelTarget>& targets,
                          const std::vector<WheelConfig>& configs);

// The per-build-id fields that decide a wheel, as text for its result key.
std::string config_key(const WheelConfig& config);

}  // namespace xbuild::python
