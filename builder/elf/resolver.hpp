#pragma once
// Where a DT_NEEDED name resolves inside a stage, the way the target's ld.so would find it:
// the requester's DT_RPATH (when it has no DT_RUNPATH) and DT_RUNPATH, the stage's
// ld.so.conf directories, the multiarch and default directories; files of another machine or
// class are skipped, as ld.so skips them. The stage is read from the host through its overlay
// layers (topmost first, whiteouts and opaque directories honoured, symlinks resolved inside the
// stage, never through a lower layer's own symlinks): nothing runs.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"

namespace xbuild::elf {

struct ResolvedLibrary {
    std::filesystem::path host_path;  // the real file on the host (symlinks resolved)
    std::string stage_path;  // where ld.so would find it: "/usr/lib/aarch64-linux-gnu/libyaml-0.so.2"
};

class LibraryResolver {
  public:
    LibraryResolver(std::vector<std::filesystem::path> layers, const Arch& arch);

    // rpath_dirs: the requester's search dirs, already absolute stage paths ($ORIGIN is the
    // caller's business). nullopt when nothing suitable exists.
    std::optional<ResolvedLibrary> find(const std::string& soname,
                                        const std::vector<std::string>& rpath_dirs = {}) const;
    // The stage's own search directories, in order.
    const std::vector<std::string>& search_dirs() const { return m_dirs; }
    // The host file behind a stage path, following symlinks inside the stage; nullopt when absent.
    std::optional<std::filesystem::path> host_path(const std::string& stage_path) const;

  private:
    std::vector<std::filesystem::path> m_layers;
    const Arch* m_arch;
    std::vector<std::string> m_dirs;
};

}  // namespace xbuild::elf
