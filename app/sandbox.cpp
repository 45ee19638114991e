#include "app/sandbox.hpp"

#include <signal.h>
#include <unistd.h>

#include "app/run.hpp"
#include "builder/core/arch.hpp"
#include "builder/sandbox/binfmt.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::app {

namespace {

// ---- signal forwarding: a sandbox run owns the process's signals while it waits ----

volatile pid_t g_sandbox_pid = -1;
volatile int g_sandbox_kill = SIGKILL;
volatile sig_atomic_t g_received = 0;

void kill_sandbox(int signal_number) {
    g_received = signal_number;
    if (g_sandbox_pid > 0) ::kill(g_sandbox_pid, g_sandbox_kill);
}

// Ctrl-C, kill -INT/-TERM/-HUP of xbuild: everything in the sandbox dies with it.
class KillOnSignal {
  public:
    explicit KillOnSignal(const sandbox::SandboxProcess& process) {
        g_sandbox_pid = process.kill_pid();
        g_sandbox_kill = process.kill_signal();
        struct sigaction action {};
        action.sa_handler = kill_sandbox;
        sigemptyset(&action.sa_mask);
        for (int i = 0; i < 4; ++i) ::sigaction(k_signals[i], &action, &m_saved[i]);
    }
    ~KillOnSignal() {
        for (int i = 0; i < 4; ++i) ::sigaction(k_signals[i], &m_saved[i], nullptr);
        g_sandbox_pid = -1;
    }

  private:
    static constexpr int k_signals[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction m_saved[4];
};

}  // namespace

int sandbox_run(const Session& session, const SandboxRunRequest& request) {
    Reporter reporter = session.reporter();
    stage::StageSpec spec;
    spec.suite = request.suite.empty() ? std::string(stage::k_default_suite) : request.suite;
    stage::check_suite(spec.suite);
    spec.arch = request.arch.empty() ? &host_arch() : &arch_from_name(request.arch);
    spec.kind = stage::kind_from_name(request.kind);
    if (!request.target.empty()) {
        if (spec.kind != stage::StageKind::toolchain)
            fail("--target {} needs --kind toolchain (it adds the target's multiarch packages)",
                 request.target);
        spec.target = &arch_from_name(request.target);
    }
    if (request.command.empty()) fail("no command given (usage: xbuild sandbox run [OPTIONS] -- CMD...)");
    if (request.workdir.empty() || request.workdir[0] != '/')
        fail("--workdir '{}' must be an absolute path inside the sandbox", request.workdir);

    sandbox::SandboxSpec sandbox;
    for (const std::string& bind : request.binds) sandbox.binds.push_back(sandbox::parse_bind(bind));
    sandbox.env = sandbox::sandbox_environment(request.env);
    // Checked before anything is built: a missing qemu entry must not leave a rootfs behind.
    auto binfmt = sandbox::require_binfmt(*spec.arch);
    if (spec.arch != &host_arch() && !binfmt.fix_binary) sandbox.extra_files.push_back(binfmt.interpreter);

    stage::RootfsCache cache(session.cache());
    spec.mirror = stage::resolve_mirror(session.mirror);
    for (const std::string& package : request.packages) stage::check_package_name(package);
    // Toolchain stages have apt: extra packages become a cached layer over the base stage.
    // Runtime stages are extract-only: extra packages make a rootfs of their own.
    const bool layered = spec.kind == stage::StageKind::toolchain;
    const std::string variant =
        stage::set_stage_packages(spec, layered ? std::vector<std::string>{} : request.packages);
    auto base = cache.ensure(spec, variant, reporter);
    const sandbox::Launcher sandboxes = launcher(session);
    auto top =
        layered ? stage::ensure_layer(cache, {base, spec.describe(), request.packages}, sandboxes, reporter)
                : base;

    sandbox.layers = stage::layer_stack(base, top);
    sandbox.scratch_parent = cache.sandbox_dir();
    sandbox.network = request.network;
    sandbox.workdir = request.workdir;
    sandbox.argv = request.command;
    // Toolchain stages may chown and switch users as builds do; runtime stages get no capability.
    sandbox.capabilities = layered ? sandbox::CapabilityProfile::build : sandbox::CapabilityProfile::none;
    sandbox::SandboxProcess process(sandbox, sandboxes);
    KillOnSignal kill_on_signal(process);
    int code = process.wait();
    return g_received != 0 ? 128 + g_received : code;
}
}  // namespace xbuild::app
