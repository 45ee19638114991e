#include "builder/cli/commands.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "builder/core/arch.hpp"
#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/log.hpp"
#include "builder/doctor/doctor.hpp"
#include "builder/elf/resolver.hpp"
#include "builder/sandbox/binfmt.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/stage/apt_sources.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "python/inspect.hpp"
#include "python/repair.hpp"
#include "python/wheel_name.hpp"
#include "python/wheels.hpp"

namespace xbuild::cli {

namespace {

struct GlobalOptions {
    std::string cache_dir;
    std::string mirror;
    bool verbose = false;
    bool quiet = false;

    Reporter reporter() const {
        return Reporter(quiet ? Verbosity::quiet : verbose ? Verbosity::verbose : Verbosity::normal);
    }
    std::filesystem::path cache() const {
        return cache_dir.empty() ? stage::default_cache_dir() : std::filesystem::path(cache_dir);
    }
};

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

std::filesystem::path self_exe() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) fail("cannot find the xbuild binary (/proc/self/exe): {}", error.message());
    return path;
}

std::vector<const Arch*> parse_arch_list(const std::vector<std::string>& names) {
    std::vector<const Arch*> archs;
    for (const std::string& name : names) {
        const Arch* arch = &arch_from_name(name);
        if (std::find(archs.begin(), archs.end(), arch) == archs.end()) archs.push_back(arch);
    }
    return archs;
}

// ---- xbuild sandbox run ----

struct SandboxRunOptions {
    std::string suite = std::string(stage::k_default_suite);
    std::string arch;
    std::string target;
    std::string kind = "runtime";
    std::vector<std::string> packages;
    std::vector<std::string> binds;
    bool network = false;
    std::vector<std::string> env;
    std::string workdir = "/";
    std::vector<std::string> command;
};

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
    auto recipe = stage::base_recipe(spec.kind, *spec.arch, spec.target);
    spec.packages = recipe.packages;
    for (const std::string& package : options.packages) stage::check_package_name(package);
    // Toolchain stages have apt: extra packages become a cached layer over the base stage.
    // Runtime stages are extract-only: extra packages make a rootfs of their own.
    const bool layered = spec.kind == stage::StageKind::toolchain;
    if (!layered) spec.packages.insert(spec.packages.end(), options.packages.begin(), options.packages.end());
    spec.normalize();
    auto base = cache.ensure(spec, recipe.variant, reporter);
    sandbox::Launcher launcher{sandbox::Launch::fork, self_exe()};
    auto top = layered
                   ? stage::ensure_layer(cache, {base, spec.describe(), options.packages}, launcher, reporter)
                   : base;

    sandbox.layers = stage::layer_stack(base, top);
    sandbox.mount_point = cache.mount_point();
    sandbox.network = options.network;
    sandbox.workdir = options.workdir;
    sandbox.argv = options.command;
    sandbox::SandboxProcess process(sandbox, launcher.launch, launcher.helper_exe);
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
    auto [removed, freed] = cache.prune(limit, reporter);
    std::printf("removed %d entries, freed %s\n", removed, format_bytes(freed).c_str());
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

// ---- xbuild wheels ----

struct WheelsCliOptions {
    std::string source = ".";
    std::vector<std::string> archs;
    std::vector<std::string> pythons;
    bool emulate = false;
    std::string output = "wheelhouse";
    bool keep_going = false;
    bool json = false;
};

int wheels_command(const GlobalOptions& global, const WheelsCliOptions& options) {
    Reporter reporter = global.reporter();
    stage::RootfsCache cache(global.cache());
    python::StageContext context{
        cache, {sandbox::Launch::fork, self_exe()}, stage::resolve_mirror(global.mirror), reporter};
    python::WheelsOptions wheels;
    wheels.source = options.source;
    wheels.overrides = {options.archs, options.pythons};
    wheels.emulate = options.emulate;
    wheels.output_dir = std::filesystem::absolute(options.output);
    wheels.keep_going = options.keep_going;
    auto outcomes = python::build_wheels(context, wheels);
    if (options.json) std::puts(python::outcomes_json(outcomes).c_str());
    int failed = 0;
    for (const auto& outcome : outcomes) failed += outcome.ok ? 0 : 1;
    if (failed > 0)
        fail("{} of {} build ids failed (logs: {})", failed, outcomes.size(),
             outcomes.front().log.parent_path().string());
    return 0;
}

// ---- xbuild repair / inspect ----

struct RepairCliOptions {
    std::vector<std::string> wheels;
    std::string output = "wheelhouse";
    std::string plat;
    bool strip = false;
    std::string suite = std::string(stage::k_default_suite);
    std::vector<std::string> packages;
};

const Arch& arch_of_platform_tag(const std::string& platform_tag, const std::string& wheel) {
    std::string first = platform_tag.substr(0, platform_tag.find('.'));
    for (const Arch& arch : all_archs()) {
        std::string suffix = "_" + std::string(arch.uname);
        if (first.size() > suffix.size() && first.ends_with(suffix)) return arch;
    }
    fail("{}: platform tag '{}' names no Linux architecture xbuild knows", wheel, platform_tag);
}

int repair_command(const GlobalOptions& global, const RepairCliOptions& options) {
    Reporter reporter = global.reporter();
    stage::check_suite(options.suite);
    stage::RootfsCache cache(global.cache());
    const std::string mirror = stage::resolve_mirror(global.mirror);
    for (const std::string& wheel : options.wheels) {
        auto name = python::parse_wheel_name(std::filesystem::path(wheel).filename().string());
        const Arch& arch = arch_of_platform_tag(name.platform_tag, wheel);
        // The libraries to graft come from a stage of the wheel's arch (extract-only: nothing
        // runs), never from the host.
        stage::StageSpec spec;
        spec.suite = options.suite;
        spec.arch = &arch;
        spec.kind = stage::StageKind::runtime;
        spec.mirror = mirror;
        auto recipe = stage::base_recipe(spec.kind, arch, nullptr);
        spec.packages = recipe.packages;
        for (const std::string& package : options.packages) stage::check_package_name(package);
        spec.packages.insert(spec.packages.end(), options.packages.begin(), options.packages.end());
        spec.normalize();
        auto entry = cache.ensure(spec, recipe.variant, reporter);
        elf::LibraryResolver resolver({entry.root}, arch);
        python::RepairOptions repair{options.plat, options.strip, 315532800};
        if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch)
            repair.source_date_epoch = std::atoll(epoch);
        auto result =
            python::repair_wheel(wheel, arch, resolver, std::filesystem::absolute(options.output), repair);
        for (const auto& graft : result.grafted)
            reporter.info(fmt::format("grafted {} as {}", graft.stage_path, graft.new_name));
        std::puts(result.wheel.c_str());
    }
    return 0;
}

int inspect_command(const std::string& file, bool json) {
    auto output = python::inspect_file(file);
    std::fputs((json ? output.json + "\n" : output.text).c_str(), stdout);
    return 0;
}

// ---- the table ----

struct State {
    GlobalOptions global;
    SandboxRunOptions sandbox_run;
    std::string prune_older_than;
    std::vector<std::string> doctor_archs;
    WheelsCliOptions wheels;
    RepairCliOptions repair;
    std::string inspect_file;
    bool inspect_json = false;
    std::function<int()> action;
};

struct CommandEntry {
    const char* parent;  // nullptr: top level
    const char* name;
    const char* help;
    void (*define)(CLI::App& command, State& state);
};

const CommandEntry k_commands[] = {
    {nullptr, "sandbox", "Run commands in a stage's sandbox", nullptr},
    {"sandbox", "run", "Run CMD in a sandbox over the stage's cached rootfs",
     [](CLI::App& command, State& state) {
         auto& o = state.sandbox_run;
         command.add_option("--suite", o.suite, "Debian suite: bullseye, bookworm, trixie, sid")
             ->capture_default_str();
         command.add_option("--arch", o.arch, "rootfs architecture (default: the host's)");
         command.add_option("--target", o.target, "toolchain stages: extra multiarch target architecture");
         command.add_option("--kind", o.kind, "toolchain or runtime")->capture_default_str();
         command.add_option("--packages", o.packages, "extra Debian packages (comma-separated)")
             ->delimiter(',');
         command.add_option("--bind", o.binds, "SRC[:DST][:ro] bind mount (repeatable)");
         command.add_flag("--net", o.network, "share the host's network (default: loopback only)");
         command.add_option("--env", o.env, "KEY=VALUE in the sandbox's environment (repeatable)");
         command.add_option("--workdir", o.workdir, "working directory inside the sandbox")
             ->capture_default_str();
         // CMD is everything after "--", split off before CLI11 parses (see run()).
         command.callback(
             [&state] { state.action = [&state] { return sandbox_run(state.global, state.sandbox_run); }; });
     }},
    {nullptr, "wheels", "Build, repair and test wheels for every arch and Python",
     [](CLI::App& command, State& state) {
         auto& o = state.wheels;
         command.add_option("source", o.source, "project directory or sdist (.tar.gz)")
             ->capture_default_str();
         command
             .add_option("--arch", o.archs,
                         "x86_64,arm64,... (default: [tool.xbuild] archs, else the host's)")
             ->delimiter(',');
         command
             .add_option("--python", o.pythons, "3.9,3.11,3.13 (default: [tool.xbuild] python, else 3.13)")
             ->delimiter(',');
         command.add_flag("--emulate", o.emulate, "compile in a target-arch toolchain stage under qemu");
         command.add_option("-o,--output", o.output, "wheelhouse directory")->capture_default_str();
         command.add_flag("--keep-going", o.keep_going, "build the other build ids after a failure");
         command.add_flag("--json", o.json, "print the outcomes as JSON on stdout");
         command.callback(
             [&state] { state.action = [&state] { return wheels_command(state.global, state.wheels); }; });
     }},
    {nullptr, "repair", "Graft external libraries into wheels and give them honest manylinux tags",
     [](CLI::App& command, State& state) {
         auto& o = state.repair;
         command.add_option("wheels", o.wheels, "wheels to repair")->required();
         command.add_option("-w,--wheel-dir", o.output, "output directory")->capture_default_str();
         command.add_option("--plat", o.plat, "require this policy or tag (e.g. manylinux_2_28_aarch64)");
         command.add_flag("--strip", o.strip, "strip the ELF files with the target's strip");
         command.add_option("--suite", o.suite, "Debian suite of the stage the libraries come from")
             ->capture_default_str();
         command.add_option("--packages", o.packages, "Debian packages providing the libraries to graft")
             ->delimiter(',');
         command.callback(
             [&state] { state.action = [&state] { return repair_command(state.global, state.repair); }; });
     }},
    {nullptr, "inspect", "Show a wheel's or ELF file's arch, needed libraries and possible tag",
     [](CLI::App& command, State& state) {
         command.add_option("file", state.inspect_file, "wheel (.whl) or ELF file (.so, .node)")->required();
         command.add_flag("--json", state.inspect_json, "JSON output");
         command.callback([&state] {
             state.action = [&state] { return inspect_command(state.inspect_file, state.inspect_json); };
         });
     }},
    {nullptr, "cache", "Inspect and prune the stage rootfs cache", nullptr},
    {"cache", "ls", "List cached stage rootfs trees",
     [](CLI::App& command, State& state) {
         command.callback([&state] { state.action = [&state] { return cache_ls(state.global); }; });
     }},
    {"cache", "prune", "Remove cached stage rootfs trees",
     [](CLI::App& command, State& state) {
         command.add_option("--older-than", state.prune_older_than,
                            "only entries unused for this long (7d, 12h)");
         command.callback([&state] {
             state.action = [&state] { return cache_prune(state.global, state.prune_older_than); };
         });
     }},
    {nullptr, "doctor", "Report what this host has and lacks for each target arch",
     [](CLI::App& command, State& state) {
         command.add_option("--arch", state.doctor_archs, "target architectures (default: amd64,arm64)")
             ->delimiter(',');
         command.callback([&state] {
             state.action = [&state] { return doctor_command(state.global, state.doctor_archs); };
         });
     }},
};

}  // namespace

int run(int argc, char** argv) {
    State state;
    // Everything after the first "--" is the sandboxed command, verbatim: CLI11 must not
    // read `sed --version` or `sh -c` as options of xbuild.
    std::vector<std::string> args(argv + 1, argv + argc);
    auto separator = std::find(args.begin(), args.end(), "--");
    if (separator != args.end()) {
        state.sandbox_run.command.assign(separator + 1, args.end());
        args.erase(separator, args.end());
    }
    std::reverse(args.begin(), args.end());  // CLI11's vector form takes arguments reversed
    CLI::App app{"xbuild: native Python wheels, Node prebuilds and OCI images for every CPU architecture"};
    app.set_version_flag("--version", std::string("xbuild ") + XBUILD_VERSION);
    app.require_subcommand(1);
    app.add_option("--cache", state.global.cache_dir,
                   "stage cache directory (default: $XBUILD_CACHE, "
                   "$XDG_CACHE_HOME/xbuild, ~/.cache/xbuild)");
    app.add_option("--mirror", state.global.mirror,
                   "Debian mirror URL (default: $XBUILD_MIRROR, else the host's apt sources)");
    app.add_flag("-v,--verbose", state.global.verbose, "more output");
    app.add_flag("-q,--quiet", state.global.quiet, "only errors");

    std::map<std::string, CLI::App*> groups;
    for (const CommandEntry& entry : k_commands) {
        CLI::App* parent = entry.parent ? groups.at(entry.parent) : &app;
        CLI::App* command = parent->add_subcommand(entry.name, entry.help);
        if (entry.define)
            entry.define(*command, state);
        else
            command->require_subcommand(1);
        if (!entry.parent) groups[entry.name] = command;
    }
    try {
        app.name("xbuild");
        app.parse(args);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    }
    try {
        return state.action ? state.action() : 0;
    } catch (const Error& error) {
        std::fflush(stdout);
        std::fprintf(stderr, "xbuild: error: %s\n", error.what());
        return 1;
    } catch (const std::exception& error) {
        std::fflush(stdout);
        std::fprintf(stderr, "xbuild: error: internal: %s\n", error.what());
        return 1;
    }
}

}  // namespace xbuild::cli
