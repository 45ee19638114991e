#include "compiled/program.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/tree_digest.hpp"
#include "builder/stage/build_outcome.hpp"
#include "builder/stage/build_tools.hpp"
#include "builder/stage/compile_cache.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/result_cache.hpp"
#include "builder/toolchain/floor.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "compiled/build.hpp"

namespace xbuild::compiled {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

struct ProgramStage {
    stage::PreparedStage toolchain;
    std::vector<std::string> linked_packages;
};

// The toolchain stage of arch: the suite's base with the plan's foreign arch as multiarch, a layer of
// the system's tools and the project's build tools, the floor's sysroot with its libraries.
ProgramStage prepare_stage(const stage::StageContext& context, const ProgramRequest& request,
                           const Arch& arch, const Arch& multiarch, const toolchain::Floor& floor) {
    const BuildConfig& config = request.config;
    stage::StageSpec spec;
    auto base = stage::ensure_toolchain_base(context, request.suite, host_arch(), multiarch, spec);
    const auto& recipes = stage::RecipeFile::get("compiled.toml");
    const std::string section(system_name(config.system));
    auto packages = recipes.strings(section, "packages");
    if (&multiarch != &host_arch()) {
        auto cross = recipes.strings(section, "cross-packages", {{"target", std::string(multiarch.debian)}});
        packages.insert(packages.end(), cross.begin(), cross.end());
    }
    auto split = stage::split_build_packages(context, base, spec.describe(), config.build_packages);
    if (config.system == BuildSystem::cargo || config.system == BuildSystem::go) {
        // Debian's crates (librust-*-dev, Multi-Arch: same) and Go modules (golang-*-dev, all) are
        // sources cargo and go read in the toolchain stage (/usr/share/cargo/registry,
        // /usr/share/gocode/src), whatever the target: not the sysroot's.
        const std::string prefix = config.system == BuildSystem::cargo ? "librust-" : "golang-";
        auto source = [&prefix](const std::string& name) { return name.starts_with(prefix); };
        for (const std::string& name : split.sysroot)
            if (source(name) && std::find(split.tools.begin(), split.tools.end(), name) == split.tools.end())
                split.tools.push_back(name);
        std::erase_if(split.sysroot, source);
    }
    packages.insert(packages.end(), split.tools.begin(), split.tools.end());
    auto layer = stage::ensure_layer(context.cache, {base, spec.describe(), packages}, context.launcher,
                                     context.reporter);
    ProgramStage result{stage::prepared_from(base, layer, spec.describe()), {}};
    auto sysroot = toolchain::ensure_sysroot(context, {floor, arch, split.sysroot, {}, ""}, result.toolchain);
    result.toolchain.sysroot = sysroot.root;
    result.toolchain.sysroot_key = sysroot.key;
    result.toolchain.description += " + " + sysroot.description;
    result.linked_packages = sysroot.packages;
    return result;
}

// A name for the project's logs and locks: its directory's name, path-safe.
std::string project_name(const BuildConfig& config) {
    std::string name = config.dir.filename().string();
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    return name.empty() || name.front() == '.' ? "program" : name;
}

// What the source digest leaves out: cargo's target directory of a local build.
std::vector<stdfs::path> excluded(const BuildConfig& config) {
    if (config.system == BuildSystem::cargo) return {config.dir / "target"};
    return {};
}

}  // namespace

std::vector<BuiltProgram> build_programs(const stage::StageContext& context, const ProgramRequest& request) {
    const BuildConfig& config = request.config;
    const toolchain::Floor* floor = toolchain::floor_of_suite(request.suite);
    if (floor == nullptr)
        fail(
            "{}: the image's suite {} is none of the glibc floors a program is built against (bullseye, "
            "bookworm, trixie)",
            config.file, request.suite);
    const Arch* multiarch = nullptr;
    for (const Arch* arch : request.archs)
        if (!multiarch && arch != &host_arch()) multiarch = arch;
    const std::string name = project_name(config);
    const stdfs::path logs = context.cache.dir() / "logs" / name;
    fs::make_dirs(logs);
    const auto logs_in_use = fs::FileLock::acquire(logs, fs::LockMode::shared, fs::LockWait::block);
    const std::string source_key = fs::tree_digest(config.dir, excluded(config));
    const stage::ResultCache results(context.cache, "programs");

    std::vector<BuiltProgram> programs;
    for (const Arch* arch : request.archs) {
        BuiltProgram program;
        program.arch = arch;
        stage::BuildOutcome outcome;
        outcome.log = logs / (std::string(arch->debian) + ".log");
        const stdfs::path lock = context.cache.lock_file("program-" + name + "-" + std::string(arch->debian));
        stage::run_build_id(context, lock, std::string(arch->debian), name, outcome, [&] {
            const Arch& stage_multiarch = arch != &host_arch() ? *arch : multiarch ? *multiarch : host_arch();
            auto stage = prepare_stage(context, request, *arch, stage_multiarch, *floor);
            hash::Sha256 key;
            key.update(fmt::format("xbuild-program 1 {} {}\n{}\n{} {}\n{} {}\n", XBUILD_VERSION,
                                   stage::binary_identity(), source_key, stage.toolchain.key,
                                   stage.toolchain.sysroot_key, arch->debian, request.source_date_epoch));
            key.update(fmt::format("{}\nargs {}\ninstall {}\nenv {}\n", system_name(config.system),
                                   fmt::join(config.args, "\x1f"), fmt::join(config.install, "\x1f"),
                                   fmt::join(config.environment, "\x1f")));
            const std::string cache_key = key.hex_digest().substr(0, 32);
            auto cached = results.find(cache_key);
            if (cached) {
                outcome.cached = true;
            } else {
                fs::TempDir work(context.cache.dir() / "work", std::string(arch->debian) + "-program-");
                Step step(context.reporter,
                          fmt::format("{}: building {} ({}) in {}", arch->debian, name,
                                      system_name(config.system), stage.toolchain.description));
                const stdfs::path installed = build_program(
                    context, {config, *arch, *floor, stage.toolchain, work.path(), outcome.log,
                              request.source_date_epoch,
                              stage::compile_cache_dir(context, stage.toolchain, config.dir.string())});
                step.done();
                fs::TempDir entry = results.stage();
                const auto files = select_installed(config, installed, entry.path() / "root");
                fs::write_file_atomic(
                    entry.path() / "result.json",
                    json{{"files", files}, {"linked_packages", stage.linked_packages}}.dump(2) + "\n");
                cached = results.store(cache_key, entry);
            }
            const json result = json::parse(fs::read_file(cached->dir / "result.json"));
            program.root = cached->dir / "root";
            program.files = result.at("files").get<std::vector<std::string>>();
            program.linked_packages = result.at("linked_packages").get<std::vector<std::string>>();
            program.cached = outcome.cached;
            program.in_use = cached->in_use;
            outcome.ok = true;
        });
        if (!outcome.ok) fail("{}", outcome.error);
        if (program.cached)
            context.reporter.info(
                fmt::format("{}: {} is cached ({} files)", arch->debian, name, program.files.size()));
        programs.push_back(std::move(program));
    }
    return programs;
}

}  // namespace xbuild::compiled
