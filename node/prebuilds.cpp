#include "node/prebuilds.hpp"

#include <chrono>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
#include "node/build.hpp"
#include "node/check.hpp"
#include "node/npm.hpp"
#include "node/prebuild_layout.hpp"
#include "node/prebuild_test.hpp"

namespace xbuild::node {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

void write_staged(const std::vector<ArtifactFile>& files, const stdfs::path& dir) {
    fs::make_dirs(dir);
    for (const auto& file : files) fs::copy_file_content(file.file, dir / file.path, file.mode);
}

}  // namespace

std::vector<PrebuildOutcome> build_prebuilds(const StageContext& context, const PrebuildOptions& options) {
    const auto& cache = context.cache;
    if (!stdfs::is_directory(options.source))
        fail("{}: {}", options.source.string(),
             stdfs::exists(options.source) ? "not a package directory" : "no such file or directory");
    const stdfs::path source = stdfs::absolute(options.source).lexically_normal();
    NodeProject project = load_node_project(source, options.overrides);
    // A fast early refusal for sources that can only be built against V8; the built file's symbols
    // decide the rest (check_prebuild).
    if (!project.abi_unstable.empty() && !options.abi)
        fail(
            "{}: {}{}: V8, NAN and node:: APIs are not ABI-stable across Node versions, so a prebuild would "
            "load in one Node only; build it for the suite's Node ABI with --abi, or port it to Node-API",
            source.string(), project.abi_unstable.front(),
            project.abi_unstable.size() > 1 ? fmt::format(" (and {} more)", project.abi_unstable.size() - 1)
                                            : "");
    const auto archs = archs_from_names(project.config.archs);
    const toolchain::Floor& floor = project.config.glibc.empty()
                                        ? toolchain::default_floor()
                                        : toolchain::find_floor(project.config.glibc, "glibc");
    const stdfs::path output_dir = options.output_dir.empty()
                                       ? source / "prebuilds"
                                       : stdfs::absolute(options.output_dir).lexically_normal();
    const auto excluded = excluded_paths(project, output_dir);
    const std::string source_key = fs::tree_digest(project.source_root, excluded);
    const long long epoch = stage::source_date_epoch(source);
    stage::use_project_cache_registry(context, project.config.cache_registry);
    const stage::ResultCache results(cache, "prebuilds");
    // The package name is checked when package.json is loaded; path_name is one path component.
    const stdfs::path logs = cache.dir() / "logs" / project.path_name;
    fs::make_dirs(logs);
    // In use: `xbuild cache prune` keeps the logs of a running build.
    const auto logs_in_use = fs::FileLock::acquire(logs, fs::LockMode::shared, fs::LockWait::block);
    context.reporter.info(fmt::format("{} {}: {} ({}): {}", project.name, project.version,
                                      project.build_system == BuildSystem::node_gyp ? "node-gyp" : "cmake-js",
                                      options.abi ? "Node ABI" : "Node-API", [&] {
                                          std::string names;
                                          for (const Arch* arch : archs)
                                              names += (names.empty() ? "" : ", ") + std::string(arch->node);
                                          return names;
                                      }()));

    // One host toolchain base serves the plan's native and cross builds; the fetch and the npm
    // tools run in it (also for --emulate: the same base as a cross build's, so both share it).
    const Arch* multiarch = nullptr;
    for (const Arch* arch : archs)
        if (!multiarch && arch != &host_arch()) multiarch = arch;
    PreparedStage host_base = options.stages.host_toolchain(context, project.config.suite, multiarch);
    const stage::CacheEntry tools_entry = options.stages.tools(context, host_base);
    const stdfs::path tools = tools_entry.root;
    std::optional<fs::TempDir> fetch_dir;  // the fetched package, made when a build needs it

    std::mutex fetch_mutex;  // one fetch, made by the first build that needs it
    // Every arch is a chain of its own: none depends on another.
    std::vector<std::vector<size_t>> chains;
    for (size_t i = 0; i < archs.size(); ++i) chains.push_back({i});
    std::vector<PrebuildOutcome> planned(archs.size());
    const std::vector<bool> ran =
        stage::run_chains(chains, archs.size(), options.jobs, options.keep_going, [&](size_t index) {
            const Arch* arch = archs[index];
            PrebuildOutcome& outcome = planned[index];
            outcome.arch = std::string(arch->node);
            const std::string log_name = outcome.arch + (options.emulate ? "-emulate" : "");
            outcome.log = logs / (log_name + ".log");
            const std::string platform = platform_dir(*arch);
            const stdfs::path lock = cache.lock_file("prebuild-" + project.path_name + "-" + log_name);
            stage::run_build_id(context, lock, outcome.arch, project.name, outcome, [&] {
                NodeTarget target{arch, options.emulate, options.abi, &floor};
                const Arch* stage_multiarch = arch != &host_arch() ? arch : multiarch;
                PreparedStage base =
                    stage_multiarch == multiarch
                        ? host_base
                        : options.stages.host_toolchain(context, project.config.suite, stage_multiarch);
                auto toolchain = options.stages.toolchain(context, project, target, base);
                // One test stage per test suite: the prebuild must load in each suite's Node.
                std::vector<PreparedStage> runtimes;
                std::string runtime_keys;
                for (const std::string& suite : test_suites(project.config)) {
                    runtimes.push_back(options.stages.test(context, project, *arch, suite));
                    runtime_keys += (runtime_keys.empty() ? "" : ",") + runtimes.back().key;
                }
                hash::Sha256 key;
                key.update(fmt::format("xbuild-prebuild 2 {} {}\n{}\n{} {} {} {}\n", XBUILD_VERSION,
                                       stage::binary_identity(), source_key, toolchain.key,
                                       toolchain.sysroot_key, runtime_keys, tools.filename().string()));
                key.update(fmt::format("{} {} {} {} {}\n{}\n{}\nepoch {}\n", outcome.arch, options.emulate,
                                       options.abi, options.strip, project.config.napi_version.value_or(0),
                                       project.config.test_command,
                                       fmt::join(project.config.environment, "\n"), epoch));
                key.update(fmt::format("package {}\nexecutables {}\n", project.package_path.string(),
                                       fmt::join(project.config.executables, " ")));
                const std::string cache_key = key.hex_digest().substr(0, 32);
                auto cached = results.find(cache_key);
                if (cached) {
                    outcome.cached = true;
                } else {
                    {
                        std::lock_guard fetch_lock(fetch_mutex);
                        if (!fetch_dir) {
                            fs::TempDir fetched(cache.dir() / "work", "fetch-");
                            fs::copy_tree(project.source_root, fetched.path() / "src", excluded);
                            Step fetch_step(context.reporter,
                                            fmt::format("{}: fetching dependencies", project.name));
                            npm_fetch(context, host_base, fetched.path() / "src" / project.package_path,
                                      project.has_lock_file, outcome.log);
                            fetch_step.done();
                            fetch_dir.emplace(std::move(fetched));
                        }
                    }
                    fs::TempDir work(cache.dir() / "work", outcome.arch + "-");
                    Step build_step(context.reporter,
                                    fmt::format("{}: building in {}", outcome.arch, toolchain.description));
                    const auto build_start = std::chrono::steady_clock::now();
                    auto built =
                        build_addon(context, {project, target, toolchain, tools, fetch_dir->path() / "src",
                                              work.path(), outcome.log, epoch,
                                              stage::compile_cache_dir(context, toolchain, source.string())});
                    outcome.build_seconds = seconds_since(build_start);
                    build_step.done();

                    const std::string file_name =
                        prebuild_file_name(project.prebuild_name, *arch, {built.abi, "glibc"});
                    // Libraries are grafted from the sysroot the addon was linked against.
                    elf::LibraryResolver resolver({toolchain.sysroot}, *arch);
                    auto checked =
                        check_prebuild(built.file, *arch, resolver,
                                       {"prebuilds/" + platform + "/" + file_name, file_name, options.strip,
                                        work.path(), options.abi, built.executables});
                    if (!checked.glibc_floor.empty() &&
                        toolchain::compare_glibc(checked.glibc_floor, floor.glibc) > 0)
                        fail("{}: needs glibc {}, more than its floor {} ({})", file_name,
                             checked.glibc_floor, floor.glibc,
                             project.config.glibc_source.empty() ? "the default"
                                                                 : project.config.glibc_source);
                    const stdfs::path staged = work.path() / "prebuilds";
                    write_staged(checked.files, staged / platform);

                    const auto test_start = std::chrono::steady_clock::now();
                    for (size_t i = 0; i < runtimes.size(); ++i) {
                        const PreparedStage& runtime = runtimes[i];
                        Step test_step(context.reporter,
                                       fmt::format("{}: testing in {}", outcome.arch, runtime.description));
                        const stdfs::path test_work = work.path() / ("test-" + std::to_string(i));
                        fs::make_dirs(test_work);
                        test_prebuild(context, {project, *arch, runtime, tools,
                                                fetch_dir->path() / "src" / project.package_path, staged,
                                                platform + "/" + file_name, test_work, outcome.log});
                        test_step.done();
                    }
                    outcome.test_seconds = seconds_since(test_start);

                    fs::TempDir entry = results.stage();
                    write_staged(checked.files, entry.path() / platform);
                    json grafted = json::array();
                    for (const auto& graft : checked.grafted)
                        grafted.push_back(
                            {{"soname", graft.soname}, {"file", graft.new_name}, {"from", graft.stage_path}});
                    json result = {{"file", file_name},
                                   {"executables", project.config.executables},
                                   {"glibc_floor", checked.glibc_floor},
                                   {"newest_glibcxx", checked.newest_glibcxx},
                                   {"grafted", grafted}};
                    fs::write_file_atomic(entry.path() / "result.json", result.dump(2) + "\n");
                    cached = results.store(cache_key, entry);
                }
                const json result = json::parse(fs::read_file(cached->dir / "result.json"));
                outcome.glibc_floor = result.at("glibc_floor").get<std::string>();
                outcome.newest_glibcxx = result.at("newest_glibcxx").get<std::string>();
                const stdfs::path out = output_dir / platform;
                fs::make_dirs(out);
                // The grafts and programs first: the .node file never stands in the output without them.
                for (const json& graft : result.at("grafted")) {
                    const std::string file = graft.at("file").get<std::string>();
                    fs::copy_file_atomic(cached->dir / platform / file, out / file);
                    outcome.grafted.push_back(file);
                }
                for (const json& program : result.at("executables")) {
                    const std::string file = program.get<std::string>();
                    fs::copy_file_atomic(cached->dir / platform / file, out / file);
                    outcome.executables.push_back(file);
                }
                const std::string file = result.at("file").get<std::string>();
                fs::copy_file_atomic(cached->dir / platform / file, out / file);
                outcome.prebuild = out / file;
                outcome.ok = true;
            });
            if (outcome.ok) {
                std::string facts = outcome.glibc_floor.empty() ? "no glibc symbol versions"
                                                                : "needs glibc >= " + outcome.glibc_floor;
                if (!outcome.newest_glibcxx.empty()) facts += ", " + outcome.newest_glibcxx;
                if (!outcome.grafted.empty())
                    facts += fmt::format(", grafted {}", fmt::join(outcome.grafted, " "));
                if (!outcome.executables.empty())
                    facts += fmt::format(", with {}", fmt::join(outcome.executables, " "));
                context.reporter.info(fmt::format(
                    "{}: {} ({}{}, {})", outcome.arch, outcome.prebuild.string(), facts,
                    outcome.cached ? ", unchanged: from the cache" : "", format_seconds(outcome.seconds)));
            }
            return outcome.ok;
        });
    std::vector<PrebuildOutcome> outcomes;
    for (size_t i = 0; i < archs.size(); ++i)
        if (ran[i]) outcomes.push_back(std::move(planned[i]));
    return outcomes;
}

std::string outcomes_json(const std::vector<PrebuildOutcome>& outcomes) {
    json array = json::array();
    for (const auto& outcome : outcomes) {
        json item = {{"arch", outcome.arch}};
        stage::add_outcome_json(item, outcome);
        if (outcome.ok) {
            item["prebuild"] = outcome.prebuild.string();
            item["grafted"] = outcome.grafted;
            item["executables"] = outcome.executables;
            item["glibc_floor"] = outcome.glibc_floor;
            item["newest_glibcxx"] = outcome.newest_glibcxx;
        }
        array.push_back(item);
    }
    return array.dump(2);
}

}  // namespace xbuild::node
