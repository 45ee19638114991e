#include "builder/stage/backport.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/rootfs_builder.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

namespace {

std::vector<std::string> sorted_unique(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

// Hard-links the files and symlinks of one package (paths relative to the tree, as
// backport_files gives them) from the extract tree into root. The extract tree had /usr merged,
// so "bin/x" may now be at usr/bin/x.
void link_package(const stdfs::path& extract, const stdfs::path& root, const std::vector<std::string>& paths,
                  const std::string& package, const BackportRequest& request) {
    for (const std::string& path : paths) {
        stdfs::path source = extract / path;
        std::error_code error;
        if (!stdfs::is_symlink(source, error) && !stdfs::exists(source, error))
            source = extract / "usr" / path;
        const auto status = stdfs::symlink_status(source, error);
        if (error) fail("package {}: {} is missing from its extracted tree", package, path);
        const stdfs::path target =
            root /
            backport_target(source.lexically_relative(extract).string(), request.relocate).relative_path();
        if (stdfs::exists(stdfs::symlink_status(target, error))) continue;  // shipped twice
        fs::make_dirs(target.parent_path());
        if (stdfs::is_symlink(status))
            stdfs::create_symlink(stdfs::read_symlink(source), target);
        else if (stdfs::is_regular_file(status))
            stdfs::create_hard_link(source, target);
    }
}

std::string manifest_text(std::vector<InstalledPackage> packages) {
    std::sort(packages.begin(), packages.end(), [](const InstalledPackage& a, const InstalledPackage& b) {
        return std::tie(a.name, a.arch) < std::tie(b.name, b.arch);
    });
    std::string text;
    for (const auto& package : packages)
        text += fmt::format("{}\t{}\t{}\n", package.name, package.arch, package.version);
    return text;
}

}  // namespace

std::string backport_key(const BackportRequest& request) {
    std::string canonical =
        fmt::format("xbuild-backport 1\nbelow {}\nsuite {}\nmirror {}\nrelocate {} {}\n", request.below.key,
                    request.suite, request.mirror, request.relocate.first, request.relocate.second);
    for (const std::string& package : sorted_unique(request.packages))
        canonical += "package " + package + "\n";
    for (const auto& [path, content] : request.files)
        canonical += fmt::format("file {} {}\n", path, hash::sha256_hex(content));
    return hash::sha256_hex(canonical).substr(0, 24);
}

stdfs::path backport_target(const std::string& path, const std::pair<std::string, std::string>& relocate) {
    const std::string absolute = "/" + path;
    const auto& [from, to] = relocate;
    if (!from.empty() && (absolute == from || absolute.starts_with(from + "/")))
        return to + absolute.substr(from.size());
    return absolute;
}

std::vector<std::string> backport_files(const std::string& list, const InstalledPackage& package) {
    static constexpr std::string_view dist_packages = "usr/lib/python3/dist-packages/";
    const bool arch_specific = package.arch != "all";
    std::set<std::string> listed;
    std::vector<std::string> paths;
    for (std::string_view line : text::lines(list)) {
        if (line.starts_with("./")) line.remove_prefix(2);
        if (line.empty() || line.ends_with("/")) continue;
        const std::string path(line);
        for (const auto& part : stdfs::path(path))
            if (part == "..") fail("package {} lists a path outside its tree: {}", package.name, path);
        if (path.starts_with("/")) fail("package {} lists a path outside its tree: {}", package.name, path);
        listed.insert(path);
        // Documentation is not needed to build; everything else of a package is taken.
        if (path.starts_with("usr/share/doc/") || path.starts_with("usr/share/man/") ||
            path.starts_with("usr/share/lintian/") || path.starts_with("usr/share/bug/"))
            continue;
        paths.push_back(path);
    }
    if (!arch_specific) return paths;
    // A package built for an arch (tomli is compiled with mypyc) is taken only when it is Python
    // source with optional compiled copies: each extension module "m.cpython-313-<triplet>.so"
    // beside its "m.py" (another Python imports the source; the copies are left out), mypyc's
    // shared helper at the top of dist-packages, and nothing else but data under usr/share.
    std::vector<std::string> taken;
    for (const std::string& path : paths) {
        const std::string name = stdfs::path(path).filename().string();
        const bool in_python = path.starts_with(dist_packages);
        if (in_python && name.ends_with(".so")) {
            const auto module = name.substr(0, name.find('.'));
            const auto dir = stdfs::path(path).parent_path();
            const bool mypyc_helper =
                dir == stdfs::path(dist_packages).parent_path() && module.ends_with("__mypyc");
            if (!mypyc_helper && !listed.contains((dir / (module + ".py")).string()))
                fail("{} {} cannot be backported: {} is compiled code without its Python source",
                     package.name, package.version, path);
            continue;
        }
        if (!in_python && !path.starts_with("usr/share/"))
            fail("{} {} cannot be backported: it is built for {} and ships {}", package.name, package.version,
                 package.arch, path);
        taken.push_back(path);
    }
    return taken;
}

std::vector<InstalledPackage> backport_selection(const std::vector<InstalledPackage>& extracted,
                                                 const std::vector<std::string>& requested,
                                                 const std::string& what) {
    const std::set<std::string> wanted(requested.begin(), requested.end());
    std::vector<InstalledPackage> selected;
    std::set<std::string> found;
    for (const auto& package : extracted) {
        const bool asked = wanted.contains(package.name);
        if (asked || (package.arch == "all" && package.name.starts_with("python3-"))) {
            selected.push_back(package);
            found.insert(package.name);
        }
    }
    for (const std::string& name : wanted)
        if (!found.contains(name)) fail("{}: {} was not among the packages the suite resolved", what, name);
    return selected;
}

CacheEntry ensure_backport_layer(RootfsCache& cache, BackportRequest request, const Reporter& reporter) {
    request.packages = sorted_unique(request.packages);
    if (request.packages.empty()) return request.below;
    for (const std::string& package : request.packages) check_package_name(package);
    const std::string description = fmt::format("{} + {} from {}", request.below_description,
                                                fmt::join(request.packages, " "), request.suite);

    auto build = [&](const stdfs::path& temp) {
        StageSpec spec;
        spec.suite = request.suite;
        spec.kind = StageKind::runtime;  // extract-only: nothing of it runs
        spec.arch = &host_arch();
        spec.mirror = request.mirror;
        spec.packages = request.packages;
        spec.normalize();
        const stdfs::path extract = temp / "extract";
        build_rootfs(spec, "extract",
                     {extract, temp / "extract.tsv", temp / "build.log", {}, temp / "lists"});
        auto extracted = read_installed_packages(temp / "extract.tsv");
        if (!extracted) fail("building {}: no package list was written", description);
        auto selected = backport_selection(*extracted, request.packages, description);

        fs::make_dirs(temp / "root");
        for (const auto& package : selected)
            link_package(extract, temp / "root",
                         backport_files(fs::read_file(temp / "lists" / (package.name + ".list")), package),
                         package.name, request);

        for (const auto& [path, content] : request.files) {
            const stdfs::path relative = stdfs::path(path).relative_path();
            if (!stdfs::path(path).is_absolute() || relative.lexically_normal().string().starts_with(".."))
                fail("{}: a file's path must be absolute: {}", description, path);
            fs::make_dirs((temp / "root" / relative).parent_path());
            fs::write_file_atomic(temp / "root" / relative, content);
        }

        // The packages below, the backported ones at their new versions.
        std::vector<InstalledPackage> manifest;
        std::set<std::string> replaced;
        for (const auto& package : selected) replaced.insert(package.name);
        for (const auto& package :
             installed_packages(request.below).value_or(std::vector<InstalledPackage>{}))
            if (!replaced.contains(package.name)) manifest.push_back(package);
        manifest.insert(manifest.end(), selected.begin(), selected.end());
        fs::write_file_atomic(temp / "packages.tsv", manifest_text(std::move(manifest)));

        fs::remove_tree(extract);
        fs::remove_tree(temp / "lists");
        stdfs::remove(temp / "extract.tsv");
        std::vector<std::string> names;
        for (const auto& package : selected) names.push_back(package.name + "=" + package.version);
        return nlohmann::json{{"kind", "layer"},
                              {"base", request.below.key},
                              {"suite", request.suite},
                              {"packages", names},
                              {"description", description}};
    };
    return cache.ensure_entry(backport_key(request), "layer " + description, build, reporter);
}

}  // namespace xbuild::stage
