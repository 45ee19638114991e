#pragma once
// The compile cache of the toolchain stages: Debian's ccache, in every toolchain stage, in front of
// the compiler wrappers' clang (or gcc under --emulate). A build's cache directory is
//   $XBUILD_CACHE/ccache/<key>    key: the toolchain stage, the floor's sysroot and the project
// bound read-write at k_compile_cache_dir in its sandbox. The stage and the sysroot in the key keep
// results from crossing floors or arches (ccache also hashes every header it reads); the project in
// it keeps one project's build code, which can write there, from planting objects in another's
// builds. XBUILD_CCACHE=0 turns it off. The wheel and prebuild result caches are unchanged: ccache
// is what makes an edit's rebuild cheap, where the result cache cannot help.
//
// A fleet shares results through ccache's remote storage: XBUILD_CCACHE_REMOTE=redis://HOST[:PORT]
// (ccache's syntax; "|attribute" suffixes such as "|read-only" pass through). The build sandbox has
// no network, so xbuild forwards: a process of its own listens on a Unix socket bound into the
// sandbox and relays each connection to HOST:PORT, and ccache is given redis+unix: on that socket.
// What the build can reach is that one server, and only while it runs.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/file_lock.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/context.hpp"

namespace xbuild::stage {

inline constexpr const char* k_compile_cache_dir = "/xbuild-ccache";
inline constexpr const char* k_remote_socket_dir = "/xbuild-ccache-remote";

// A build's compile cache: its directory, marked in use (a shared flock: `xbuild cache prune` keeps
// it) and touched (its mtime is its last use, for `prune --older-than`).
struct CompileCache {
    std::filesystem::path dir;
    std::shared_ptr<const fs::FileLock> in_use;
};

// The build's compile cache (created), or nullopt when XBUILD_CCACHE is "0". project: what names the
// project for the key (its source path as given).
std::optional<CompileCache> compile_cache_dir(const StageContext& context, const PreparedStage& toolchain,
                                              std::string_view project);

// The relay to a remote storage server for one build; stops it (kills and reaps the relay
// processes) when destroyed.
class RemoteRelay {
  public:
    RemoteRelay(pid_t pid, std::filesystem::path socket_dir)
        : m_pid(pid), m_socket_dir(std::move(socket_dir)) {}
    RemoteRelay(const RemoteRelay&) = delete;
    RemoteRelay& operator=(const RemoteRelay&) = delete;
    ~RemoteRelay();
    const std::filesystem::path& socket_dir() const { return m_socket_dir; }

  private:
    pid_t m_pid;
    std::filesystem::path m_socket_dir;
};

// Binds the cache at k_compile_cache_dir and sets ccache's environment: CCACHE_DIR, CCACHE_BASEDIR=/src
// and no working-directory hashing (the same source in a new scratch directory hits), and
// CCACHE_MAXSIZE=1G (ccache's own default, 5G, is for one cache per machine, not per project). With
// XBUILD_CCACHE_REMOTE set, starts the relay (its socket in work/) and returns it: it must live until
// the build's sandbox has exited. Throws Error naming XBUILD_CCACHE_REMOTE for a URL it cannot serve.
std::unique_ptr<RemoteRelay> use_compile_cache(sandbox::SandboxSpec& spec, std::vector<std::string>& env,
                                               const CompileCache& cache, const std::filesystem::path& work);

// The parts of XBUILD_CCACHE_REMOTE: host, port (default 6379) and the "|..." attributes; throws Error
// for anything but redis://HOST[:PORT][|attributes].
struct RemoteStorage {
    std::string host;
    std::string port = "6379";
    std::string attributes;  // "|read-only", or ""
};
RemoteStorage parse_remote_storage(std::string_view url);

}  // namespace xbuild::stage
