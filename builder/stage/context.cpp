#include "builder/stage/context.hpp"

#include "builder/sandbox/binfmt.hpp"

namespace xbuild::stage {

void PreparedStage::hold(const CacheEntry& entry) {
    if (entry.in_use) in_use.push_back(entry.in_use);
}

void require_arch(const Arch& arch, PreparedStage& stage) {
    auto binfmt = sandbox::require_binfmt(arch);
    if (&arch != &host_arch() && !binfmt.fix_binary) stage.extra_files.push_back(binfmt.interpreter);
}

}  // namespace xbuild::stage
