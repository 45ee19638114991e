#include "builder/stage/layer.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/process.hpp"
#include "builder/stage/rootfs_builder.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

std::string layer_key(const LayerRequest& request) {
    std::vector<std::string> packages = request.packages;
    std::sort(packages.begin(), packages.end());
    packages.erase(std::unique(packages.begin(), packages.end()), packages.end());
    std::string canonical = "xbuild-layer 2\nbase " + request.base.key + "\n";
    for (const std::string& package : packages) canonical += "package " + package + "\n";
    return hash::sha256_hex(canonical).substr(0, 24);
}

sandbox::SandboxSpec apt_run(const RootfsCache& cache, const CacheEntry& base, const std::string& script,
                             const stdfs::path& out, const stdfs::path& log) {
    sandbox::SandboxSpec spec;
    spec.layers = {base.root};
    spec.scratch_parent = cache.sandbox_dir();
    spec.network = true;
    spec.binds = {{out, "/xbuild-out", false}};
    spec.env = sandbox::sandbox_environment({});
    spec.argv = {"sh", "-c", script};
    spec.capabilities = sandbox::CapabilityProfile::apt;
    spec.log_file = log;
    fs::write_file_atomic(log, "$ " + script + "\n");
    return spec;
}

std::vector<stdfs::path> layer_stack(const CacheEntry& base, const CacheEntry& top) {
    if (top.key == base.key) return {base.root};
    return {top.root, base.root};
}

namespace {

// Packages the base already has (its packages.tsv: name, arch, version) need no layer: a
// project asking for python3-setuptools over a Python toolchain gets the base itself, which
// matters most for emulated stages, where apt runs under qemu.
std::vector<std::string> missing_from_base(const CacheEntry& base, const std::vector<std::string>& packages) {
    std::optional<std::vector<InstalledPackage>> manifest;
    try {
        manifest = installed_packages(base);
    } catch (const Error&) {
    }
    if (!manifest) return packages;
    std::vector<std::string> missing;
    for (const std::string& package : packages) {
        auto colon = package.find(':');
        std::string name = package.substr(0, colon);
        std::string arch = colon == std::string::npos ? "" : package.substr(colon + 1);
        bool installed = std::any_of(manifest->begin(), manifest->end(), [&](const InstalledPackage& line) {
            return line.name == name && (arch.empty() || line.arch == arch || line.arch == "all");
        });
        if (!installed) missing.push_back(package);
    }
    return missing;
}

}  // namespace

CacheEntry ensure_layer(RootfsCache& cache, LayerRequest request, const sandbox::Launcher& launcher,
                        const Reporter& reporter) {
    request.packages = missing_from_base(request.base, request.packages);
    std::sort(request.packages.begin(), request.packages.end());
    request.packages.erase(std::unique(request.packages.begin(), request.packages.end()),
                           request.packages.end());
    if (request.packages.empty()) return request.base;
    for (const std::string& package : request.packages) check_package_name(package);
    const std::string description =
        fmt::format("{} + {}", request.base_description, fmt::join(request.packages, " "));

    auto build = [&](const stdfs::path& temp) {
        fs::make_dirs(temp / "root");
        fs::make_dirs(temp / "work");
        fs::make_dirs(temp / "out");
        // Lists are fetched fresh (the base's may be stale or cleaned) and dropped after.
        std::string script = fmt::format(
            "set -e; apt-get -o APT::Sandbox::User=root -qq update; "
            "DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root -y -q "
            "--no-install-recommends install {}; "
            "dpkg-query -W --showformat='${{Package}}\\t${{Architecture}}\\t${{Version}}\\n' "
            "| LC_ALL=C sort > /xbuild-out/packages.tsv; apt-get clean; rm -rf /var/lib/apt/lists/*",
            fmt::join(request.packages, " "));
        sandbox::SandboxSpec spec = apt_run(cache, request.base, script, temp / "out", temp / "build.log");
        spec.upper_dir = temp / "root";
        spec.work_dir = temp / "work";
        int code = sandbox::run_sandbox(spec, launcher);
        if (code != 0) fail_from_apt_log(description, spec.log_file, code);
        stdfs::rename(temp / "out" / "packages.tsv", temp / "packages.tsv");
        fs::remove_tree(temp / "work");
        fs::remove_tree(temp / "out");
        ::rmdir((temp / "root" / "xbuild-out").c_str());  // the bind's mount point
        return nlohmann::json{{"kind", "layer"},
                              {"base", request.base.key},
                              {"packages", request.packages},
                              {"description", description}};
    };
    return cache.ensure_entry(layer_key(request), "layer " + description, build, reporter);
}

}  // namespace xbuild::stage
