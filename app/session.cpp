#include "app/session.hpp"

#include <cstring>

#include "app/remote_cache.hpp"
#include "app/run.hpp"
#include "builder/core/fs.hpp"
#include "builder/sandbox/limits.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/result_cache.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::app {

namespace {

std::filesystem::path self_exe() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) fail("cannot find the xbuild binary (/proc/self/exe): {}", error.message());
    return path;
}

}  // namespace

std::filesystem::path Session::cache() const {
    return cache_dir.empty() ? stage::default_cache_dir() : std::filesystem::path(cache_dir);
}

sandbox::Launcher launcher(const Session& session) {
    sandbox::Launcher launcher =
        session.helper.empty()
            ? sandbox::Launcher{sandbox::Launch::fork, self_exe(), sandbox::default_limits()}
            : sandbox::Launcher{sandbox::Launch::reexec, session.helper, sandbox::default_limits()};
    sandbox::apply_limit_environment(launcher.limits);
    const std::pair<const std::string&, void (*)(sandbox::Limits&, std::string_view, std::string_view)>
        options[] = {{session.pids_limit, sandbox::set_pids_limit},
                     {session.memory, sandbox::set_memory_limit},
                     {session.tmpfs_size, sandbox::set_tmpfs_size},
                     {session.shm_size, sandbox::set_shm_size},
                     {session.timeout, sandbox::set_timeout}};
    const char* names[] = {"--pids-limit", "--memory", "--tmpfs-size", "--shm-size", "--timeout"};
    for (size_t i = 0; i < std::size(options); ++i)
        if (!options[i].first.empty()) options[i].second(launcher.limits, options[i].first, names[i]);
    return launcher;
}

Session session_for_jobs(const Session& session, unsigned jobs) {
    Session result = session;
    if (jobs > 1 && result.helper.empty()) result.helper = self_exe();
    return result;
}

std::filesystem::path work_dir(const Session& session) {
    const std::filesystem::path work = session.cache() / "work";
    fs::make_dirs(work);
    return work;
}

Run::Run(const Session& session)
    : reporter(session.reporter()),
      cache(session.cache()),
      context{cache, launcher(session), stage::resolve_mirror(session.mirror), reporter} {
    if (!session.helper.empty()) stage::set_identity_binary(session.helper);
    cache.set_remote(registry_cache(session, reporter));
    if (!cache.remote()) {
        const Session copy = session;
        context.registry_cache = [copy, this](const std::string& repository) {
            Session with = copy;
            with.cache_from = with.cache_to = repository;
            return registry_cache(with, reporter);
        };
    }
}

std::string default_suite() {
    return std::string(stage::k_default_suite);
}

void use_helper_recipes(const Session& session) {
    if (!session.helper.empty()) stage::set_recipes_exe(session.helper);
}

void use_recipes_dir(const std::filesystem::path& dir) {
    stage::set_recipes_dir(dir);
}

bool is_sandbox_helper(int argc, char** argv) {
    return argc > 1 && std::strcmp(argv[1], sandbox::k_helper_command) == 0;
}

int sandbox_helper_main(int argc, char** argv) {
    return sandbox::helper_main(argc - 2, argv + 2);
}

}  // namespace xbuild::app
