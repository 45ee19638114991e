#include "builder/toolchain/sysroot.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/stage/recipes.hpp"

namespace xbuild::toolchain {

namespace stdfs = std::filesystem;

namespace {

// The link target of an absolute symlink at path (inside root), as a path relative to its directory.
std::string relative_target(const stdfs::path& root, const stdfs::path& path, const std::string& target) {
    const stdfs::path inside = stdfs::path(target).relative_path();
    const stdfs::path link_dir = path.parent_path().lexically_relative(root);
    return inside.lexically_relative(link_dir).string();
}

}  // namespace

void link_tree_relative(const stdfs::path& from, const stdfs::path& to) {
    fs::make_dirs(to);
    for (auto it = stdfs::recursive_directory_iterator(from); it != stdfs::recursive_directory_iterator();
         ++it) {
        const stdfs::path relative = it->path().lexically_relative(from);
        const stdfs::path dest = to / relative;
        const auto status = it->symlink_status();
        std::error_code error;
        if (stdfs::is_symlink(status)) {
            std::string target = stdfs::read_symlink(it->path()).string();
            if (!target.empty() && target.front() == '/') target = relative_target(to, dest, target);
            stdfs::create_symlink(target, dest, error);
        } else if (stdfs::is_directory(status)) {
            stdfs::create_directory(dest, error);
        } else if (stdfs::is_regular_file(status)) {
            if (::link(it->path().c_str(), dest.c_str()) != 0) stdfs::copy_file(it->path(), dest, error);
        } else {
            continue;  // device nodes, FIFOs: nothing a compiler reads
        }
        if (error) fail("sysroot: {}: {}", dest.string(), error.message());
    }
}

Sysroot ensure_sysroot(const stage::StageContext& context, const SysrootRequest& request,
                       stage::PreparedStage& stage) {
    const Floor& floor = request.floor;
    stage::StageSpec spec;
    spec.suite = floor.suite;
    spec.kind = stage::StageKind::runtime;  // extract-only: nothing of it runs
    spec.mirror = context.mirror;
    spec.arch = &request.target;
    auto packages =
        stage::RecipeFile::get("stages.toml").strings("sysroot", "packages", {{"gcc", floor.gcc}});
    for (std::string package : request.packages) {
        // Target libraries: an ":arch" of the project's would be the build's arch, not the target's.
        if (auto colon = package.find(':'); colon != std::string::npos) package.resize(colon);
        packages.push_back(package);
    }
    const std::string variant = stage::set_stage_packages(spec, packages);
    auto base = context.cache.ensure(spec, variant, context.reporter);
    stage.hold(base);

    Sysroot sysroot;
    sysroot.description = fmt::format("{} sysroot {}", floor.manylinux(), spec.describe());
    const std::string key =
        hash::sha256_hex(fmt::format("xbuild-sysroot 1\n{}\n{}\n", base.key, request.extra_key))
            .substr(0, 24);
    auto build = [&](const stdfs::path& temp) {
        link_tree_relative(base.root, temp / "root");
        for (const auto& [source, inside] : request.extra) {
            const stdfs::path dest = temp / "root" / inside.relative_path();
            if (!stdfs::exists(source))
                fail("sysroot: {} is missing from the toolchain stage", inside.string());
            fs::make_dirs(dest.parent_path());
            std::error_code error;
            stdfs::remove_all(dest, error);
            stdfs::copy(source, dest, stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks,
                        error);
            if (error) fail("sysroot: copying {}: {}", inside.string(), error.message());
        }
        return nlohmann::json{
            {"kind", "sysroot"}, {"suite", floor.suite},      {"arch", std::string(request.target.debian)},
            {"base", base.key},  {"packages", spec.packages}, {"description", sysroot.description}};
    };
    auto entry = context.cache.ensure_entry(key, sysroot.description, build, context.reporter);
    stage.hold(entry);
    sysroot.root = entry.root;
    sysroot.key = entry.key;
    if (auto installed = stage::installed_packages(base))
        for (const auto& package : *installed) sysroot.packages.push_back(package.name);
    return sysroot;
}

}  // namespace xbuild::toolchain
