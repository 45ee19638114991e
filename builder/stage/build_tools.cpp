#include "builder/stage/build_tools.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/stage/deb822.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/rootfs_builder.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

namespace {

// "cython3:native" -> {"cython3", "native"}
std::pair<std::string, std::string> split_qualifier(const std::string& package) {
    const auto colon = package.find(':');
    if (colon == std::string::npos) return {package, ""};
    return {package.substr(0, colon), package.substr(colon + 1)};
}

void add_once(std::vector<std::string>& to, const std::string& name) {
    if (std::find(to.begin(), to.end(), name) == to.end()) to.push_back(name);
}

// The names the archive is asked about: sorted, unique, without ":arch"; ":native" ones need no answer.
std::vector<std::string> names_to_query(const std::vector<std::string>& packages) {
    std::vector<std::string> names;
    for (const std::string& package : packages) {
        auto [name, qualifier] = split_qualifier(package);
        if (qualifier != "native") names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

}  // namespace

std::vector<ArchivePackage> archive_packages(std::string_view paragraphs) {
    std::vector<ArchivePackage> packages;
    for (const Deb822Stanza& stanza : parse_deb822(paragraphs)) {
        std::string name = stanza.get("package");
        if (name.empty()) continue;
        packages.push_back({std::move(name), stanza.get("architecture"), stanza.get("multi-arch")});
    }
    return packages;
}

BuildPackageSplit split_build_packages(const std::vector<std::string>& packages,
                                       const std::vector<ArchivePackage>& archive) {
    BuildPackageSplit split;
    for (const std::string& package : packages) {
        auto [name, qualifier] = split_qualifier(package);
        if (qualifier == "native") {
            add_once(split.tools, name);
            continue;
        }
        auto found =
            std::find_if(archive.begin(), archive.end(),
                         [&, &wanted = name](const ArchivePackage& entry) { return entry.name == wanted; });
        const bool tool =
            found != archive.end() && (found->multi_arch == "foreign" || found->architecture == "all");
        if (tool) add_once(split.tools, name);
        if (!tool || name.ends_with("-dev")) add_once(split.sysroot, name);
    }
    return split;
}

BuildPackageSplit split_build_packages(const StageContext& context, const CacheEntry& base,
                                       const std::string& base_description,
                                       const std::vector<std::string>& packages) {
    const std::vector<std::string> names = names_to_query(packages);
    if (names.empty()) return split_build_packages(packages, {});
    for (const std::string& name : names) check_package_name(name);
    std::string canonical = "xbuild-archive-packages 1\nbase " + base.key + "\n";
    for (const std::string& name : names) canonical += "package " + name + "\n";
    const std::string key = hash::sha256_hex(canonical).substr(0, 24);
    const std::string description =
        fmt::format("archive paragraphs of {} for {}", fmt::join(names, " "), base_description);

    auto build = [&](const stdfs::path& temp) {
        fs::make_dirs(temp / "root");
        fs::make_dirs(temp / "out");
        // The stage's own arch only, no translations: one Packages index to fetch. apt-cache show
        // skips the names the suite lacks (exit 100 when it knows none of them): those go to the sysroot.
        const std::string script = fmt::format(
            "set -e; o=\"-o APT::Sandbox::User=root -o APT::Architectures=$(dpkg --print-architecture) "
            "-o Acquire::Languages=none\"; apt-get $o -qq update; "
            "apt-cache $o show --no-all-versions {} > /xbuild-out/Packages || true",
            fmt::join(names, " "));
        sandbox::SandboxSpec spec = apt_run(context.cache, base, script, temp / "out", temp / "build.log");
        const int code = sandbox::run_sandbox(spec, context.launcher);
        if (code != 0) fail_from_apt_log(description, spec.log_file, code);
        stdfs::rename(temp / "out" / "Packages", temp / "Packages");
        fs::remove_tree(temp / "out");
        return nlohmann::json{{"kind", "archive-packages"},
                              {"base", base.key},
                              {"packages", names},
                              {"description", description}};
    };
    auto entry = context.cache.ensure_entry(key, description, build, context.reporter);
    return split_build_packages(packages, archive_packages(fs::read_file(entry.dir / "Packages")));
}

}  // namespace xbuild::stage
