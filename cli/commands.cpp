#include "cli/commands.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>

#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "app/cache.hpp"
#include "app/doctor.hpp"
#include "app/image.hpp"
#include "app/inspect.hpp"
#include "app/prebuild.hpp"
#include "app/repair.hpp"
#include "app/sandbox.hpp"
#include "app/wheels.hpp"
#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::cli {

namespace {

// ---- the table ----

struct State {
    app::Session session;
    bool verbose = false;
    bool quiet = false;
    app::SandboxRunRequest sandbox_run;
    std::string prune_older_than;
    std::vector<std::string> doctor_archs;
    app::WheelsRequest wheels;
    bool wheels_json = false;
    bool wheels_print_ids = false;
    bool wheels_print_config = false;
    app::PrebuildRequest prebuild;
    bool prebuild_json = false;
    app::ImageRequest image;
    std::string image_format = "oci";
    bool image_json = false;
    app::IndexCreateRequest index_create;
    app::RepairRequest repair;
    app::InspectRequest inspect;
    bool inspect_json = false;
    std::function<int()> action;
};

// ---- what each command prints ----

int print_wheels(const State& state) {
    if (state.wheels_print_ids) {
        for (const std::string& id : app::wheel_build_identifiers(state.session, state.wheels))
            std::puts(id.c_str());
        return 0;
    }
    if (state.wheels_print_config) {
        std::fputs(app::wheel_config(state.session, state.wheels).c_str(), stdout);
        return 0;
    }
    const auto result = app::build_wheels(state.session, state.wheels);
    // The summary, as progress lines are: "xbuild: " first.
    const std::string table = result.table();
    for (std::string_view line : text::lines(table)) fmt::print(stderr, "xbuild: {}\n", line);
    if (state.wheels_json) std::puts(result.json().c_str());
    result.check();
    return 0;
}

int print_prebuilds(const State& state) {
    const auto result = app::build_prebuilds(state.session, state.prebuild);
    if (state.prebuild_json) std::puts(result.json().c_str());
    result.check();
    return 0;
}

int print_image(State& state) {
    state.image.docker_format = state.image_format == "docker";
    const auto result = app::build_image(state.session, state.image);
    if (state.image_json) std::puts(result.json().c_str());
    return 0;
}

int print_repair(const State& state) {
    const Reporter reporter = state.session.reporter();
    for (const auto& result : app::repair_wheels(state.session, state.repair)) {
        for (const auto& graft : result.grafted)
            reporter.info(fmt::format("grafted {} as {}", graft.stage_path, graft.new_name));
        std::puts(result.wheel.c_str());
    }
    return 0;
}

int print_inspect(const State& state) {
    const auto output = app::inspect_file(state.session, state.inspect);
    std::fputs((state.inspect_json ? output.json + "\n" : output.text).c_str(), stdout);
    return 0;
}

int print_cache_list(const State& state) {
    const auto list = app::cache_list(state.session);
    std::printf("%-24s  %-32s  %8s  %8s  %s\n", "KEY", "STAGE", "PACKAGES", "SIZE", "LAST USED");
    const auto now = std::chrono::system_clock::now();
    std::uint64_t total = 0;
    for (const auto& item : list.entries) {
        auto age = std::chrono::duration_cast<std::chrono::seconds>(now - item.last_used);
        std::string line = fmt::format("{:<24}  {:<32}  {:>8}  {:>8}  {} ago", item.key, item.description,
                                       item.package_count, format_bytes(item.bytes), format_elapsed(age));
        std::puts(line.c_str());
        total += item.bytes;
    }
    std::printf("%zu entries, %s in %s\n", list.entries.size(), format_bytes(total).c_str(),
                list.dir.c_str());
    return 0;
}

int print_cache_prune(const State& state) {
    const auto report = app::cache_prune(state.session, state.prune_older_than);
    for (const std::string& line : report.stages.kept) std::puts(line.c_str());
    std::printf("removed %d entries, freed %s\n", report.stages.removed,
                format_bytes(report.stages.freed).c_str());
    for (const std::string& kept : report.kept_other) std::printf("kept %s: in use\n", kept.c_str());
    if (report.removed_other > 0)
        std::printf(
            "removed %d cached wheels, prebuilds, image blobs, indexes, compile caches, build logs and work "
            "directories, "
            "freed %s\n",
            report.removed_other, format_bytes(report.freed_other).c_str());
    return 0;
}

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
         command.callback([&state] {
             state.action = [&state] { return app::sandbox_run(state.session, state.sandbox_run); };
         });
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
             .add_option("--python", o.pythons,
                         "3.9,3.11,3.13,3.14,3.15 (default: [tool.xbuild] python, else every one that "
                         "requires-python allows)")
             ->delimiter(',');
         command.add_option("--manylinux", o.manylinux,
                            "glibc floor: 2_31 (default), 2_36 or 2_41 ([tool.xbuild] manylinux)");
         command.add_flag("--emulate", o.emulate, "compile in a target-arch toolchain stage under qemu");
         command.add_option(
             "--index-url", o.index_url,
             "PEP 503 index for [build-system] requires (default: PIP_INDEX_URL, [tool.xbuild] "
             "index-url; none: Debian's packages)");
         command.add_option("-o,--output", o.output, "wheelhouse directory")->capture_default_str();
         command.add_flag("--keep-going", o.keep_going, "build the other build ids after a failure");
         command.add_flag("--json", state.wheels_json, "print the outcomes as JSON on stdout");
         command.add_option("--only", o.only,
                            "build this build id alone (cp313-manylinux_aarch64), whatever archs, python "
                            "and skip say");
         o.jobs = 0;
         command
             .add_option("-j,--jobs", o.jobs,
                         "build ids at once, each arch's first before its other Pythons (default: the "
                         "number of cores)")
             ->check(CLI::NonNegativeNumber);
         command.add_flag("--print-build-identifiers", state.wheels_print_ids,
                          "print the build ids, one per line, and build nothing");
         command.add_flag("--print-config", state.wheels_print_config,
                          "print each configuration key, its value and where it came from ([tool.xbuild], "
                          "[tool.cibuildwheel], CIBW_*, ...), and build nothing");
         command.callback([&state] { state.action = [&state] { return print_wheels(state); }; });
     }},
    {nullptr, "prebuild", "Build and test Node-API prebuilds for every arch, in node-gyp-build's layout",
     [](CLI::App& command, State& state) {
         auto& o = state.prebuild;
         command.add_option("source", o.source, "package directory (with package.json)")
             ->capture_default_str();
         command
             .add_option("--arch", o.archs,
                         "x64,arm64,... (default: package.json xbuild.archs, else the host's)")
             ->delimiter(',');
         command.add_option("--glibc", o.glibc,
                            "glibc floor: 2.31 (default), 2.36 or 2.41 (package.json xbuild.glibc)");
         command
             .add_option("--test-suites", o.test_suites,
                         "bookworm,trixie,forky,...: test each prebuild in each suite's Node (default: "
                         "package.json xbuild.test-suites, else the build suite's)")
             ->delimiter(',');
         command.add_flag("--emulate", o.emulate, "compile in a target-arch toolchain stage under qemu");
         command.add_flag("--abi", o.abi,
                          "build an addon using V8/NAN/libuv for the suite Node's ABI (abi<N> prebuilds)");
         command.add_flag("--strip", o.strip, "strip the prebuilds with the target's strip");
         command.add_option("-o,--output", o.output, "prebuilds directory (default: SOURCE/prebuilds)");
         command.add_flag("--keep-going", o.keep_going, "build the other archs after a failure");
         command.add_flag("--json", state.prebuild_json, "print the outcomes as JSON on stdout");
         o.jobs = 0;
         command.add_option("-j,--jobs", o.jobs, "archs at once (default: the number of cores)")
             ->check(CLI::NonNegativeNumber);
         command.callback([&state] { state.action = [&state] { return print_prebuilds(state); }; });
     }},
    {nullptr, "image", "Assemble a slim multi-arch OCI image (interpreter base + wheels/prebuilds + app)",
     [](CLI::App& command, State& state) {
         auto& o = state.image;
         command.add_option("source", o.source, "project directory (with xbuild.toml)")
             ->capture_default_str();
         command.add_option("--arch", o.archs, "x86_64,arm64,... (default: [image] archs, else the host's)")
             ->delimiter(',');
         command.add_option("-t,--tag", o.tag, "image name and tag (default: [image] tag)");
         command.add_option("-o,--output", o.output, "archive to write (default: image.tar)");
         command
             .add_option("--format", state.image_format,
                         "archive format: oci (oci-archive) or docker (docker-archive)")
             ->check(CLI::IsMember({"oci", "docker"}))
             ->capture_default_str();
         command.add_option("--layout", o.layout, "also write an OCI image layout directory");
         command.add_flag("--push", o.push, "push to the registry the tag names");
         command.add_flag("--json", state.image_json, "print the result as JSON on stdout");
         command.callback([&state] { state.action = [&state] { return print_image(state); }; });
     }},
    {nullptr, "index", "Multi-arch image indexes in a registry", nullptr},
    {"index", "create",
     "Merge images pushed per platform into one multi-arch index (buildx imagetools create)",
     [](CLI::App& command, State& state) {
         auto& o = state.index_create;
         command.add_option("target", o.target, "the index to push: host/repo:tag")->required();
         command.add_option("sources", o.sources, "images to merge: host/repo:tag or host/repo@digest")
             ->required();
         command.callback([&state] {
             state.action = [&state] {
                 std::puts(app::create_index(state.session, state.index_create).c_str());
                 return 0;
             };
         });
     }},
    {nullptr, "repair", "Graft external libraries into wheels and give them honest manylinux tags",
     [](CLI::App& command, State& state) {
         auto& o = state.repair;
         command.add_option("wheels", o.wheels, "wheels to repair")->required();
         command.add_option("-w,--wheel-dir", o.output, "output directory")->capture_default_str();
         command.add_option("--plat", o.plat,
                            "require this policy or tag (e.g. manylinux_2_28_aarch64); the lowest one the "
                            "wheel meets is kept too");
         command.add_flag("--only-plat", o.only_plat, "tag only with --plat, not also the lowest policy");
         command.add_flag("--strip", o.strip, "strip the ELF files with the target's strip");
         command.add_option("--exclude", o.exclude,
                            "leave this soname (a glob: 'libcuda.so.*') to the system: not grafted, not "
                            "counted against the policy (repeatable)");
         command.add_option("--lib-sdir", o.lib_sdir, "suffix of the grafts' directory (<dist><suffix>/)")
             ->capture_default_str();
         command.add_option("--suite", o.suite, "Debian suite of the stage the libraries come from")
             ->capture_default_str();
         command.add_option("--packages", o.packages, "Debian packages providing the libraries to graft")
             ->delimiter(',');
         command.callback([&state] { state.action = [&state] { return print_repair(state); }; });
     }},
    {nullptr, "inspect", "Show a wheel's or ELF file's arch, needed libraries and possible tag",
     [](CLI::App& command, State& state) {
         auto& o = state.inspect;
         command.add_option("file", o.file, "wheel (.whl) or ELF file (.so, .node)")->required();
         command.add_flag("--json", state.inspect_json, "JSON output");
         command.add_flag("--resolve", o.resolve,
                          "show where each needed library resolves in a stage of the file's arch");
         command.add_option("--suite", o.suite, "with --resolve: the stage's Debian suite")
             ->capture_default_str();
         command.add_option("--packages", o.packages, "with --resolve: extra Debian packages in that stage")
             ->delimiter(',');
         command.callback([&state] { state.action = [&state] { return print_inspect(state); }; });
     }},
    {nullptr, "cache", "Inspect and prune the stage rootfs cache", nullptr},
    {"cache", "ls", "List cached stage rootfs trees",
     [](CLI::App& command, State& state) {
         command.callback([&state] { state.action = [&state] { return print_cache_list(state); }; });
     }},
    {"cache", "prune", "Remove cached stage rootfs trees",
     [](CLI::App& command, State& state) {
         command.add_option("--older-than", state.prune_older_than,
                            "only entries unused for this long (7d, 12h)");
         command.callback([&state] { state.action = [&state] { return print_cache_prune(state); }; });
     }},
    {nullptr, "doctor", "Report what this host has and lacks for each target arch",
     [](CLI::App& command, State& state) {
         command.add_option("--arch", state.doctor_archs, "target architectures (default: amd64,arm64)")
             ->delimiter(',');
         command.callback([&state] {
             state.action = [&state] { return app::doctor(state.session, state.doctor_archs) ? 0 : 1; };
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
    const bool has_command = separator != args.end();
    if (has_command) {
        state.sandbox_run.command.assign(separator + 1, args.end());
        args.erase(separator, args.end());
    }
    std::reverse(args.begin(), args.end());  // CLI11's vector form takes arguments reversed
    CLI::App app{"xbuild: native Python wheels, Node prebuilds and OCI images for every CPU architecture"};
    app.set_version_flag("--version", std::string("xbuild ") + XBUILD_VERSION);
    app.require_subcommand(1);
    app.add_option("--cache", state.session.cache_dir,
                   "stage cache directory (default: $XBUILD_CACHE, "
                   "$XDG_CACHE_HOME/xbuild, ~/.cache/xbuild)");
    app.add_option("--mirror", state.session.mirror,
                   "Debian mirror URL (default: $XBUILD_MIRROR, else the host's apt sources)");
    app.add_option("--cache-from", state.session.cache_from,
                   "registry repository (host[:port]/path) to pull missing stages and results from "
                   "(default: $XBUILD_CACHE_REGISTRY)");
    app.add_option("--cache-to", state.session.cache_to,
                   "registry repository to push every stage and result a run uses to "
                   "(default: $XBUILD_CACHE_REGISTRY)");
    app.add_flag("-v,--verbose", state.verbose, "more output");
    app.add_flag("-q,--quiet", state.quiet, "only errors");
    // Sandbox limits: before or after the command (every subcommand falls through to these).
    app.add_option("--pids-limit", state.session.pids_limit,
                   "processes and threads per sandbox (default 4096; 0: none; $XBUILD_PIDS_LIMIT)");
    app.add_option("--memory", state.session.memory,
                   "memory per sandbox where a cgroup is available (default half the RAM; 0: none; "
                   "$XBUILD_MEMORY)");
    app.add_option("--tmpfs-size", state.session.tmpfs_size,
                   "size of a sandbox's /tmp (default 1g; $XBUILD_TMPFS_SIZE)");
    app.add_option("--shm-size", state.session.shm_size,
                   "size of a sandbox's /dev/shm (default 64m; $XBUILD_SHM_SIZE)");
    app.add_option(
        "--timeout", state.session.timeout,
        "wall-clock limit of each sandboxed command: 90s, 30m, 2h (default 2h; 0: none; $XBUILD_TIMEOUT)");

    std::map<std::string, CLI::App*> groups;
    for (const CommandEntry& entry : k_commands) {
        CLI::App* parent = entry.parent ? groups.at(entry.parent) : &app;
        CLI::App* command = parent->add_subcommand(entry.name, entry.help);
        command->fallthrough();
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
    state.session.verbosity = state.quiet     ? Verbosity::quiet
                              : state.verbose ? Verbosity::verbose
                                              : Verbosity::normal;
    try {
        // Only `sandbox run` takes a command: anything after "--" elsewhere is a mistake, not ignored.
        if (has_command && !groups.at("sandbox")->get_subcommand("run")->parsed()) {
            std::string name;
            for (const CLI::App* command = &app; !command->get_subcommands().empty();)
                command = command->get_subcommands().front(), name += " " + command->get_name();
            fail("xbuild{}: takes no command after '--' (got '{}'); only `xbuild sandbox run` does", name,
                 fmt::format("{}", fmt::join(state.sandbox_run.command, " ")));
        }
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