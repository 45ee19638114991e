// The CLI's stage commands: sandbox run, cache ls/prune, doctor.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "builder/cli/options.hpp"
#include "builder/core/arch.hpp"
#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/doctor/doctor.hpp"
#include "builder/sandbox/binfmt.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/recipes.hpp"

namespace xbuild::cli {

namespace {

// ---- signal forwarding: the CLI is the only front end that owns the process's signals ----

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

std::vector<const Arch*> parse_arch_list(const std::vector<std::string>& names) {
    std::vector<const Arch*> archs;
    for (const std::string& name : names) {
        const Arch* arch = &arch_from_name(name);
        if (std::find(archs.begin(), archs.end(), arch) == archs.end()) archs.push_back(arch);
    }
    return archs;
}

}  // namespace

sandbox::Launcher GlobalOptions::launcher() const {
    sandbox::Launcher launcher{sandbox::Launch::fork, self_exe(), sandbox::default_limits()};
    sandbox::apply_limit_environment(launcher.limits);
    const std::pair<const std::string&, void (*)(sandbox::Limits&, std::string_view, std::string_view)>
        options[] = {{pids_limit, sandbox::set_pids_limit},
                     {memory, sandbox::set_memory_limit},
                     {tmpfs_size, sandbox::set_tmpfs_size},
                     {shm_size, sandbox::set_shm_size},
                     {timeout, sandbox::set_timeout}};
    const char* names[] = {"--pids-limit", "--memory", "--tmpfs-size", "--shm-size", "--timeout"};
    for (size_t i = 0; i < std::size(options); ++i)
        if (!options[i].first.empty()) options[i].second(launcher.limits, options[i].first, names[i]);
    return launcher;
}

std::filesystem::path self_exe() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) fail("cannot find the xbuild binary (/proc/self/exe): {}", error.message());
    return path;
}

// ---- xbuild sandbox run ----

int sandbox_run(const GlobalOptions& global, const SandboxRunOptions& options) {
    Reporter reporter = global.reporter();
    stage::check_suite(options.suite);
    stage::StageSpec spec;
    spec.suite = options.suite;
    spec.arch = options.arch.empty() ? &host_arch() : &arch_from_name(options.arch);
    spec.kind = stage::kind_from_name(options.kind);
    if (!options.target.empty()) {
        if (spec.kind != stage::StageKind::toolchain)
            fail("--target {} needs --kind toolchain (it adds the target's multiarch packages)",
                 options.target);
        spec.target = &arch_from_name(options.target);
    }
    if (options.command.empty()) fail("no command given (usage: xbuild sandbox run [OPTIONS] -- CMD...)");
    if (options.workdir.empty() || options.workdir[0] != '/')
        fail("--workdir '{}' must be an absolute path inside the sandbox", options.workdir);

    sandbox::SandboxSpec sandbox;
    for (const std::string& bind : options.binds) sandbox.binds.push_back(sandbox::parse_bind(bind));
    sandbox.env = sandbox::sandbox_environment(options.env);
    // Checked before anything is built: a missing qemu entry must not leave a rootfs behind.
    auto binfmt = sandbox::require_binfmt(*spec.arch);
    if (spec.arch != &host_arch() && !binfmt.fix_binary) sandbox.extra_files.push_back(binfmt.interpreter);

    stage::RootfsCache cache(global.cache());
    spec.mirror = stage::resolve_mirror(global.mirror);
    for (const std::string& package : options.packages) stage::check_package_name(package);
    // Toolchain stages have apt: extra packages become a cached layer over the base stage.
    // Runtime stages are extract-only: extra packages make a rootfs of their own.
    const bool layered = spec.kind == stage::StageKind::toolchain;
    const std::string variant =
        stage::set_stage_packages(spec, layered ? std::vector<std::string>{} : options.packages);
    auto base = cache.ensure(spec, variant, reporter);
    const sandbox::Launcher launcher = global.launcher();
    auto top = layered
                   ? stage::ensure_layer(cache, {base, spec.describe(), options.packages}, launcher, reporter)
                   : base;

    sandbox.layers = stage::layer_stack(base, top);
    sandbox.scratch_parent = cache.sandbox_dir();
    sandbox.network = options.network;
    sandbox.workdir = options.workdir;
    sandbox.argv = options.command;
    // Toolchain stages may chown and switch users as builds do; runtime stages get no capability.
    sandbox.capabilities = layered ? sandbox::CapabilityProfile::build : sandbox::CapabilityProfile::none;
    sandbox::SandboxProcess process(sandbox, launcher);
    KillOnSignal kill_on_signal(process);
    int code = process.wait();
    return g_received != 0 ? 128 + g_received : code;
}
// ---- xbuild cache ls / prune ----

int cache_ls(const GlobalOptions& global) {
    stage::RootfsCache cache(global.cache());
    auto entries = cache.list();
    std::printf("%-24s  %-32s  %8s  %8s  %s\n", "KEY", "STAGE", "PACKAGES", "SIZE", "LAST USED");
    auto now = std::chrono::system_clock::now();
    std::uint64_t total = 0;
    for (const auto& item : entries) {
        auto age = std::chrono::duration_cast<std::chrono::seconds>(now - item.last_used);
        std::string line = fmt::format("{:<24}  {:<32}  {:>8}  {:>8}  {} ago", item.key, item.description,
                                       item.package_count, format_bytes(item.bytes), format_elapsed(age));
        std::puts(line.c_str());
        total += item.bytes;
    }
    std::printf("%zu entries, %s in %s\n", entries.size(), format_bytes(total).c_str(), cache.dir().c_str());
    return 0;
}

int cache_prune(const GlobalOptions& global, const std::string& older_than) {
    std::optional<std::chrono::seconds> limit;
    if (!older_than.empty()) limit = parse_duration(older_than);
    stage::RootfsCache cache(global.cache());
    Reporter reporter = global.reporter();
    auto report = cache.prune(limit, reporter);
    for (const std::string& line : report.kept) std::puts(line.c_str());
    std::printf("removed %d entries, freed %s\n", report.removed, format_bytes(report.freed).c_str());
    // Cached wheels, prebuilds, image blobs and Contents indexes, build logs and leftovers of killed
    // builds and sandboxes, by age; what a running build or sandbox holds (locked) stays.
    const long long max_age = limit ? limit->count() : -1;
    int others = 0;
    std::uint64_t other_bytes = 0;
    for (const char* area : {"wheels", "prebuilds", "images", "contents", "logs", "work", "sandbox"}) {
        auto result = fs::prune_children(cache.dir() / area, max_age);
        for (const auto& kept : result.kept)
            std::printf("kept %s/%s: in use\n", area, kept.filename().c_str());
        others += result.removed;
        other_bytes += result.bytes;
    }
    if (others > 0)
        std::printf(
            "removed %d cached wheels, prebuilds, image blobs, indexes, build logs and work directories, "
            "freed %s\n",
            others, format_bytes(other_bytes).c_str());
    return 0;
}

// ---- xbuild doctor ----

int doctor_command(const GlobalOptions& global, const std::vector<std::string>& arch_names) {
    std::vector<const Arch*> targets;
    if (arch_names.empty())
        targets = {&arch_from_name("amd64"), &arch_from_name("arm64")};
    else
        targets = parse_arch_list(arch_names);
    auto checks = doctor::run_checks(targets, global.cache());
    return doctor::print_report(checks) ? 0 : 1;
}

}  // namespace xbuild::cli
