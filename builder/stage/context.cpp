#include "builder/stage/context.hpp"

#include "builder/sandbox/binfmt.hpp"

namespace xbuild::stage {

void require_arch(const Arch& arch, PreparedStage& stage) {
    auto binfmt = sandbox::require_binfmt(arch);
    if (&arch != &host_arch() && !binfmt.fix_binary) stage.extra_files.push_back(binfmt.interpreter);
}

}  // namespace xbuild::stage
