#pragma once
// Extract-only trees (mmdebstrap --variant=extract) do not run usrmerge: packages that
// still ship /lib or /bin files leave real directories there. This makes the
// merged-/usr layout by hand: /bin, /sbin, /lib* become symlinks into /usr.
#include <filesystem>

namespace xbuild::stage {

void merge_usr(const std::filesystem::path& root);

}  // namespace xbuild::stage
