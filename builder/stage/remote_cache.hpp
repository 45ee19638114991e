#pragma once
// A cache shared between machines, behind the local one (rootfs_cache.hpp, result_cache.hpp): an
// entry missing here is pulled from it before it is built, and, when pushing is on, every entry a run
// uses is pushed to it unless it is there already. Its one implementation keeps entries in an OCI
// registry (app/remote_cache.cpp, --cache-from and --cache-to), and says what it pulls and pushes
// on the reporter of the run that made it; the stage code sees only this.
#include <filesystem>
#include <string>
#include <string_view>

namespace xbuild::stage {

class RemoteCache {
  public:
    virtual ~RemoteCache() = default;
    // Fills the empty directory dir with the entry kind/key ("rootfs", "wheels", "prebuilds"); false
    // when the shared cache has none or could not give it (said as a warning: the caller builds).
    virtual bool pull(std::string_view kind, const std::string& key, const std::string& description,
                      const std::filesystem::path& dir) const = 0;
    // Stores the directory dir as kind/key in the shared cache when pushing is on and it is not there
    // yet. Throws Error when the push fails.
    virtual void push(std::string_view kind, const std::string& key, const std::string& description,
                      const std::filesystem::path& dir) const = 0;
};

}  // namespace xbuild::stage
