#include "python/wheels.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/archive/tar_extract.hpp"
#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/file_lock.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/process.hpp"
#include "builder/core/tree_digest.hpp"
#include "builder/elf/resolver.hpp"
#include "builder/stage/compile_cache.hpp"
#include "builder/stage/key_lock.hpp"
#include "builder/stage/parallel.hpp"
#include "builder/stage/result_cache.hpp"
#include "python/before_all.hpp"
#include "python/config_report.hpp"
#include "python/index_fetch.hpp"
#include "python/repair.hpp"
#include "python/wheel_build.hpp"
#include "python/wheel_check.hpp"
#include "python/wheel_compat.hpp"
#include "python/wheel_name.hpp"
#include "python/wheel_test.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

namespace {

// An abi3 wheel this run built (or took from the cache) for one arch: the newer Pythons of the plan
// test it instead of building their own.
struct Abi3Wheel {
    std::string build_id;       // the build id that built it: "cp39-manylinux_x86_64"
    unsigned oldest_minor = 0;  // its python tag cp3Y: CPython 3.Y and newer
    stdfs::path wheel;          // in the result cache
    std::string key;            // its result-cache key
    std::string test_command;   // the test command its build id ran (the default one filled in)
};

bool is_sdist(const stdfs::path& path) {
    std::string name = path.filename().string();
    for (const char* suffix : {".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar"})
        if (name.size() > std::strlen(suffix) &&
            name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
            return true;
    return false;
}

// The packages.tsv of the extract-only stage a sysroot was made from (its stage.json names it).
stdfs::path sysroot_packages(const stdfs::path& sysroot) {
    const stdfs::path entry =
        sysroot.has_filename() ? sysroot.parent_path() : sysroot.parent_path().parent_path();
    try {
        const auto meta = nlohmann::json::parse(fs::read_file(entry / "stage.json"));
        return entry.parent_path() / meta.value("base", std::string()) / "packages.tsv";
    } catch (const std::exception&) {
        return entry / "packages.tsv";
    }
}

bool is_test_skipped(const WheelConfig& config, const WheelTarget& target) {
    return std::any_of(config.test_skip.begin(), config.test_skip.end(), [&](const std::string& selector) {
        return matches_selector(target.build_id(), selector);
    });
}

// What every build id of one run shares.
struct Run {
    const StageContext& context;
    const WheelsOptions& options;
    const PythonProject& project;
    const stage::ResultCache& results;
    std::string source_key;  // "tree <digest>" or "sdist <sha256>"
    long long epoch = 0;     // SOURCE_DATE_EPOCH of the builds
};

// The stages of one build id. host_pip: a cross build's host-arch toolchain, whose pip installs the
// wheel for the target (no pip under qemu).
struct TargetStages {
    const PreparedStage& toolchain;
    const PreparedStage& runtime;
    const PreparedStage* host_pip = nullptr;
};

// With an index and test requirements: those wheels for the target, fetched (network on) into a
// temporary directory whose digest goes into key; nullopt otherwise.
std::optional<fs::TempDir> fetch_test_wheels(const Run& run, const WheelTarget& target,
                                             const TargetStages& stages, const stdfs::path& log,
                                             hash::Sha256& key) {
    const auto& project = run.project;
    if (project.config.index_url.empty() || applicable_test_requirements(project, target).empty() ||
        is_test_skipped(project.config, target))
        return std::nullopt;
    std::optional<fs::TempDir> dir;
    dir.emplace(run.context.cache.dir() / "work", target.build_id() + "-test-requirements-");
    Step step(run.context.reporter,
              fmt::format("{}: test requirements from {}", target.build_id(), project.config.index_url));
    fetch_test_requirements(run.context, project, target, stages.toolchain, runtime_glibc(stages.runtime),
                            dir->path(), log);
    step.done();
    key.update(
        fmt::format("test index {}\n{}\n", project.config.index_url, fs::tree_digest(dir->path(), {})));
    return dir;
}

// The stable-ABI wheel of an older Python of the plan, tested on target's Python, not rebuilt.
void test_abi3_wheel(const Run& run, const WheelTarget& target, const TargetStages& stages,
                     const Abi3Wheel& built, WheelOutcome& outcome) {
    outcome.abi3_from = built.build_id;
    hash::Sha256 key;
    key.update(fmt::format("xbuild-wheel-abi3 1 {} {}\n{}\n{} {} {}\n{}\n", XBUILD_VERSION,
                           stage::binary_identity(), built.key, stages.runtime.key,
                           stages.host_pip ? stages.toolchain.key : "", target.build_id(),
                           built.test_command));
    key.update(config_key(run.project.config));
    const auto test_wheels = fetch_test_wheels(run, target, stages, outcome.log, key);
    const std::string cache_key = key.hex_digest().substr(0, 32);
    const stdfs::path name = built.wheel.filename();
    if (is_test_skipped(run.project.config, target)) {
        run.context.reporter.info(fmt::format("{}: {} (abi3, from {}), not tested ({} selects it)",
                                              target.build_id(), name.string(), built.build_id,
                                              run.project.config.sources.at("test-skip")));
    } else if (run.results.find(cache_key)) {
        outcome.cached = true;
        run.context.reporter.info(fmt::format("{}: {} (abi3, from {}), its test on CPython {} from the cache",
                                              target.build_id(), name.string(), built.build_id,
                                              target.python));
    } else {
        fs::TempDir work(run.context.cache.dir() / "work", target.build_id() + "-");
        fs::make_dirs(work.path() / "final");
        stdfs::copy_file(built.wheel, work.path() / "final" / name);
        Step test_step(run.context.reporter,
                       fmt::format("{}: testing {} (abi3, built by {}) in {}", target.build_id(),
                                   name.string(), built.build_id, stages.runtime.description));
        auto test_start = std::chrono::steady_clock::now();
        test_wheel(run.context,
                   {run.project, target, stages.runtime, work.path() / "final" / name, built.test_command,
                    outcome.log, stages.host_pip, test_wheels ? test_wheels->path() : stdfs::path()});
        outcome.test_seconds = seconds_since(test_start);
        test_step.done();
        fs::TempDir staged = run.results.stage();
        fs::write_file_atomic(staged.path() / "abi3-from", built.build_id + "\n");
        run.results.store(cache_key, staged);
    }
    outcome.wheel = run.options.output_dir / name;
    fs::copy_file_atomic(built.wheel, outcome.wheel);
    outcome.ok = true;
}

// Builds, repairs and tests the wheel of target (or takes it from the result cache) and copies it to
// the output directory. Returns the abi3 wheel it is when the backend tagged it cp3Y-abi3.
std::optional<Abi3Wheel> build_target_wheel(const Run& run, const WheelTarget& target,
                                            const TargetStages& stages, WheelOutcome& outcome) {
    const auto& project = run.project;
    const auto& toolchain = stages.toolchain;
    const auto& runtime = stages.runtime;
    std::string test_command = project.config.test_command;
    // Everything that decides the result is in the key: an unchanged rerun does no work.
    hash::Sha256 key;
    key.update(fmt::format("xbuild-wheel 2 {} {}\n{}\n{} {} {} {}\n", XBUILD_VERSION,
                           stage::binary_identity(), run.source_key, toolchain.key, toolchain.sysroot_key,
                           runtime.key, target.build_id()));
    key.update(fmt::format("{}\n{}\n{}\n{}\n", target.emulate, project.config.before_build, test_command,
                           fmt::join(project.config.environment, "\n")));
    const bool test_skipped = is_test_skipped(project.config, target);
    key.update(fmt::format("{}\n{}\n", config_key(project.config), test_skipped));
    key.update(fmt::format("epoch {}\n", run.epoch));
    // With an index, its build requirements are fetched first (network on): the wheels it serves today
    // are in the key, so a new release there builds again.
    std::optional<fs::TempDir> requirements;
    if (!project.config.index_url.empty()) {
        requirements.emplace(run.context.cache.dir() / "work", target.build_id() + "-requirements-");
        Step fetch_step(run.context.reporter, fmt::format("{}: build requirements from {}", target.build_id(),
                                                          project.config.index_url));
        fetch_build_requirements(run.context, project, target, toolchain, requirements->path(), outcome.log);
        fetch_step.done();
        key.update(fmt::format("index {}\n{}\n", project.config.index_url,
                               fs::tree_digest(requirements->path(), {})));
    }
    const auto test_wheels = fetch_test_wheels(run, target, stages, outcome.log, key);
    const std::string cache_key = key.hex_digest().substr(0, 32);
    stdfs::path cached_wheel;
    std::optional<stage::ResultEntry> cached = run.results.find(cache_key);
    if (cached) {
        for (const auto& entry : stdfs::directory_iterator(cached->dir))
            if (entry.path().extension() == ".whl") cached_wheel = entry.path();
    }
    if (cached_wheel.empty()) {
        fs::TempDir work(run.context.cache.dir() / "work", target.build_id() + "-");
        Step build_step(run.context.reporter,
                        fmt::format("{}: building in {}", target.build_id(), toolchain.description));
        auto build_start = std::chrono::steady_clock::now();
        auto raw = build_wheel(
            run.context,
            {project, target, toolchain, work.path(), outcome.log, run.epoch,
             stage::compile_cache_dir(run.context, toolchain, stdfs::absolute(run.options.source).string()),
             requirements ? requirements->path() : stdfs::path()});
        outcome.build_seconds = seconds_since(build_start);
        build_step.done();
        auto checked = check_wheel(raw, *target.arch, work.path());
        if (test_command.empty()) test_command = default_test_command(checked.top_level_modules);
        stdfs::path final_wheel = work.path() / "final" / raw.filename();
        if (!project.config.repair_command.empty()) {
            // cibuildwheel's repair-wheel-command instead of xbuild's repair; its wheel is checked as a
            // built one is (every ELF file of the target's machine).
            Step repair_step(run.context.reporter,
                             fmt::format("{}: repairing with repair-wheel-command", target.build_id()));
            const stdfs::path repaired = run_repair_command(
                run.context, {project, target, toolchain, work.path(), outcome.log, run.epoch}, raw);
            check_wheel(repaired, *target.arch, work.path());
            repair_step.done();
            final_wheel = work.path() / "final" / repaired.filename();
            fs::make_dirs(final_wheel.parent_path());
            stdfs::copy_file(repaired, final_wheel);
        } else if (project.config.repair) {
            // Repair against the TARGET's libraries: those of the sysroot it was linked against.
            Step repair_step(run.context.reporter, fmt::format("{}: repairing", target.build_id()));
            elf::LibraryResolver resolver({toolchain.sysroot}, *target.arch);
            RepairOptions repair{"", false, run.epoch, work.path()};
            repair.floor = target.floor->manylinux();
            repair.floor_source = project.config.manylinux_source;
            repair.exclude = project.config.repair_exclude;
            repair.lib_sdir = project.config.lib_sdir;
            repair.only_plat = project.config.only_plat;
            const PackageOwners owners(toolchain.sysroot, sysroot_packages(toolchain.sysroot),
                                       target.floor->suite);
            repair.owners = &owners;
            auto repaired = repair_wheel(raw, *target.arch, resolver, work.path() / "final", repair);
            repair_step.done();
            for (const auto& graft : repaired.grafted)
                run.context.reporter.info(
                    fmt::format("{}: grafted {} as {}", target.build_id(), graft.stage_path, graft.new_name));
            final_wheel = repaired.wheel;
        } else {
            run.context.reporter.info(fmt::format("{}: not repaired ({} is empty)", target.build_id(),
                                                  project.config.sources.at("repair-wheel-command")));
            fs::make_dirs(final_wheel.parent_path());
            stdfs::copy_file(raw, final_wheel);
        }
        if (test_skipped) {
            run.context.reporter.info(fmt::format("{}: not tested ({} selects it)", target.build_id(),
                                                  project.config.sources.at("test-skip")));
        } else {
            Step test_step(run.context.reporter,
                           fmt::format("{}: testing in {}", target.build_id(), runtime.description));
            auto test_start = std::chrono::steady_clock::now();
            test_wheel(run.context, {project, target, runtime, final_wheel, test_command, outcome.log,
                                     stages.host_pip, test_wheels ? test_wheels->path() : stdfs::path()});
            outcome.test_seconds = seconds_since(test_start);
            test_step.done();
        }
        // Into the cache (atomically), then the wheelhouse.
        fs::TempDir staged = run.results.stage();
        stdfs::copy_file(final_wheel, staged.path() / final_wheel.filename());
        fs::write_file_atomic(staged.path() / "test-command", test_command + "\n");
        cached = run.results.store(cache_key, staged);
        cached_wheel = cached->dir / final_wheel.filename();
    } else {
        outcome.cached = true;
        run.context.reporter.info(fmt::format("{}: unchanged, {} from the cache", target.build_id(),
                                              cached_wheel.filename().string()));
    }
    outcome.wheel = run.options.output_dir / cached_wheel.filename();
    fs::copy_file_atomic(cached_wheel, outcome.wheel);
    outcome.ok = true;
    // A stable-ABI wheel (cp3Y-abi3): the plan's newer Pythons of this arch test it.
    const WheelName name = parse_wheel_name(cached_wheel.filename().string());
    if (name.abi_tag != "abi3" || !name.python_tag.starts_with("cp3")) return std::nullopt;
    std::string command = fs::read_file(cached_wheel.parent_path() / "test-command");
    while (!command.empty() && command.back() == '\n') command.pop_back();
    return Abi3Wheel{target.build_id(), python3_minor(name.python_tag).value_or(0), cached_wheel, cache_key,
                     command};
}

}  // namespace

namespace {

// The project of a run: a directory, or an sdist extracted into the cache's work directory.
struct LoadedProject {
    std::optional<fs::TempDir> sdist_dir;  // holds the extracted sdist
    stdfs::path dir;
    PythonProject project;
    std::string source_key;
    std::vector<WheelTarget> targets;  // the plan, or --only's one target
    std::vector<WheelConfig> configs;  // each target's config (cibuildwheel's overrides applied)
};

LoadedProject load_wheels_project(const StageContext& context, const WheelsOptions& options) {
    const auto& cache = context.cache;
    if (!stdfs::exists(options.source)) fail("{}: no such file or directory", options.source.string());
    fs::make_dirs(cache.dir() / "work");
    LoadedProject loaded;
    loaded.dir = options.source;
    if (stdfs::is_regular_file(options.source)) {
        if (!is_sdist(options.source))
            fail("{}: not a project directory or an sdist (.tar.gz)", options.source.string());
        loaded.sdist_dir.emplace(cache.dir() / "work", "sdist-");
        archive::extract_tar(options.source, loaded.sdist_dir->path());
        loaded.dir = archive::single_top_dir(loaded.sdist_dir->path());
        loaded.source_key = "sdist " + hash::sha256_file_hex(options.source);
    }
    loaded.project = load_project(loaded.dir, options.overrides);
    if (!options.only.empty() && !options.overrides.archs.empty())
        fail("--only {}: names its arch; --arch cannot be given with it", options.only);
    loaded.targets =
        options.only.empty()
            ? plan_targets(loaded.project.config, options.emulate)
            : std::vector<WheelTarget>{only_target(loaded.project.config, options.only, options.emulate)};
    // Resolved now: a bad value in an override is an error before anything is built.
    for (const WheelTarget& target : loaded.targets)
        loaded.configs.push_back(loaded.project.config_for(target.build_id()));
    return loaded;
}

}  // namespace

std::vector<std::string> build_identifiers(const StageContext& context, const WheelsOptions& options) {
    const LoadedProject loaded = load_wheels_project(context, options);
    std::vector<std::string> ids;
    for (const WheelTarget& target : loaded.targets) ids.push_back(target.build_id());
    return ids;
}

std::string config_report(const StageContext& context, const WheelsOptions& options) {
    const LoadedProject loaded = load_wheels_project(context, options);
    return format_config(loaded.project, loaded.targets, loaded.configs);
}

std::vector<WheelOutcome> build_wheels(const StageContext& context, const WheelsOptions& options) {
    const auto& cache = context.cache;
    LoadedProject loaded = load_wheels_project(context, options);
    PythonProject& project = loaded.project;
    const stdfs::path& project_dir = loaded.dir;
    std::string& source_key = loaded.source_key;
    project.excluded = {options.output_dir};
    for (const std::string& path : project.config.exclude) project.excluded.push_back(project_dir / path);
    if (source_key.empty()) source_key = "tree " + fs::tree_digest(options.source, project.excluded);
    project.origin = options.source;
    const auto& targets = loaded.targets;
    stage::use_project_cache_registry(context, project.config.cache_registry);
    const long long epoch = stage::source_date_epoch(project_dir);
    const stage::ResultCache results(cache, "wheels");
    std::vector<PythonProject> for_target(targets.size(), project);
    std::vector<std::string> notes = project.config.notes;
    for (size_t i = 0; i < targets.size(); ++i) {
        for_target[i].config = loaded.configs[i];
        for (const std::string& note : loaded.configs[i].notes)
            if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    }
    for (const std::string& note : notes) context.reporter.info("note: " + note);
    fs::make_dirs(options.output_dir);
    // The project's name is checked (load_project) and normalized before it makes a path.
    const stdfs::path logs = cache.dir() / "logs" / project.normalized_name;
    fs::make_dirs(logs);
    // In use: `xbuild cache prune` keeps the logs of a running build.
    const auto logs_in_use = fs::FileLock::acquire(logs, fs::LockMode::shared, fs::LockWait::block);

    context.reporter.info(fmt::format("{}: {} build ids: {}", project.name, targets.size(), [&] {
        std::string ids;
        for (const auto& t : targets) ids += (ids.empty() ? "" : ", ") + t.build_id();
        return ids;
    }()));
    // One toolchain base serves the plan's native and cross builds: the first foreign arch
    // is its multiarch architecture.
    const Arch* multiarch = nullptr;
    for (const WheelTarget& target : targets)
        if (!multiarch && target.arch != &host_arch() && !target.emulate) multiarch = target.arch;
    // By arch and --emulate. The plan lists the oldest Python first for every arch: a chain per arch
    // (and --emulate), whose first build id makes the abi3 wheel the others then only test.
    std::map<std::pair<const Arch*, bool>, Abi3Wheel> abi3_wheels;
    std::mutex abi3_mutex;
    std::vector<std::vector<size_t>> chains;
    std::map<std::pair<const Arch*, bool>, size_t> chain_of;
    for (size_t i = 0; i < targets.size(); ++i) {
        auto [at, added] = chain_of.emplace(std::pair{targets[i].arch, targets[i].emulate}, chains.size());
        if (added) chains.emplace_back();
        chains[at->second].push_back(i);
    }
    std::vector<WheelOutcome> planned(targets.size());
    const std::vector<bool> ran =
        stage::run_chains(chains, targets.size(), options.jobs, options.keep_going, [&](size_t i) {
            const WheelTarget& target = targets[i];
            WheelOutcome& outcome = planned[i];
            outcome.build_id = target.build_id();
            const std::string log_name = target.build_id() + (target.emulate ? "-emulate" : "");
            outcome.log = logs / (log_name + ".log");
            const stdfs::path lock = cache.lock_file("wheel-" + project.normalized_name + "-" + log_name);
            stage::run_build_id(context, lock, outcome.build_id, project.name, outcome, [&] {
                // The build id's own config (cibuildwheel's overrides that select it).
                const PythonProject& target_project = for_target[i];
                const Run target_run{context, options, target_project, results, source_key, epoch};
                const Arch* stage_multiarch = target.arch != &host_arch() ? target.arch : multiarch;
                auto toolchain = options.stages.toolchain(context, target_project, target, stage_multiarch);
                auto runtime = options.stages.test(context, target_project, target, toolchain);
                // cibuildwheel's before-all: once per toolchain stage, a layer the build ids share.
                toolchain =
                    with_before_all(context, target_project, target, toolchain, source_key, outcome.log);
                // A cross build's host-arch toolchain runs pip for the target (no pip under qemu).
                const bool foreign = target.arch != &host_arch() && !target.emulate;
                const TargetStages stages{toolchain, runtime, foreign ? &toolchain : nullptr};
                std::optional<Abi3Wheel> abi3;
                {
                    std::lock_guard lock(abi3_mutex);
                    if (auto found = abi3_wheels.find({target.arch, target.emulate});
                        found != abi3_wheels.end())
                        abi3 = found->second;
                }
                if (abi3 && python3_minor(target.python).value_or(0) >= abi3->oldest_minor) {
                    test_abi3_wheel(target_run, target, stages, *abi3, outcome);
                } else if (auto built = build_target_wheel(target_run, target, stages, outcome)) {
                    std::lock_guard lock(abi3_mutex);
                    abi3_wheels[{target.arch, target.emulate}] = *built;
                }
            });
            if (outcome.ok)
                context.reporter.info(fmt::format("{}: {} ({})", outcome.build_id, outcome.wheel.string(),
                                                  format_seconds(outcome.seconds)));
            return outcome.ok;
        });
    std::vector<WheelOutcome> outcomes;
    for (size_t i = 0; i < targets.size(); ++i)
        if (ran[i]) outcomes.push_back(std::move(planned[i]));
    return outcomes;
}

}  // namespace xbuild::python
