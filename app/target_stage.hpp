#pragma once
// Inside app/ only: the libraries repair grafts and inspect --resolve shows come from the target's
// Debian, never from the host.
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/log.hpp"
#include "builder/elf/resolver.hpp"
#include "builder/stage/rootfs_cache.hpp"

namespace xbuild::app {

// A resolver over an extract-only stage of arch (suite, base packages + packages), built when missing;
// the stage's entry goes to held: in use while the resolver is.
elf::LibraryResolver target_stage_resolver(stage::RootfsCache& cache, const std::string& mirror,
                                           const std::string& suite, const Arch& arch,
                                           const std::vector<std::string>& packages, const Reporter& reporter,
                                           std::vector<stage::CacheEntry>& held);

}  // namespace xbuild::app
