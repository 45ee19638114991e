#include "python/wheel_stages.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/hash.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/backport.hpp"
#include "builder/stage/build_tools.hpp"
#include "builder/stage/layer.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/rootfs_builder.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "python/python_recipes.hpp"
#include "python/requirements.hpp"

namespace xbuild::python {

namespace {

// The suite's versions of the build requirements against the project's pins: one error before a
// backend too old for the project could build a wrong wheel (bullseye's setuptools 52 reads no
// [project] table and names the wheel UNKNOWN-0.0.0).
void check_pins(const PythonProject& project, const WheelTarget& target, const MarkerEnvironment& marker_env,
                const stage::CacheEntry& top, const stage::CacheEntry& base) {
    auto manifest = stage::installed_packages(top);
    if (!manifest) manifest = stage::installed_packages(base);
    std::map<std::string, std::string> installed;
    for (const auto& package : manifest.value_or(std::vector<stage::InstalledPackage>{}))
        installed[package.name] = package.version;
    check_requirement_pins(project.build_requires, marker_env, project.config.requirement_packages, installed,
                           target.suite, (project.dir / "pyproject.toml").string());
}

// Build tools of a newer suite for a Python whose own suite serves them too old ([backports] in
// recipes/python.toml): taken out of extra, the apt layer's packages (bullseye may not have them at
// all), into the request for a backport layer over it; no packages when the Python needs none.
stage::BackportRequest backport_request(const WheelTarget& target, std::vector<std::string>& extra) {
    stage::BackportRequest request;
    auto backports = backports_for(target.python);
    if (!backports) return request;
    std::erase_if(extra, [&](const std::string& package) {
        if (std::find(backports->packages.begin(), backports->packages.end(), package) ==
            backports->packages.end())
            return false;
        request.packages.push_back(package);
        return true;
    });
    if (request.packages.empty()) return request;
    request.suite = backports->suite;
    request.packages.insert(request.packages.end(), backports->companions.begin(),
                            backports->companions.end());
    request.files = backports->files;
    // Before /usr/lib/python3/dist-packages on that Python's sys.path (Debian's site.py).
    request.relocate = {"/usr/lib/python3/dist-packages",
                        "/usr/local/lib/python" + target.python + "/dist-packages"};
    return request;
}

}  // namespace

PreparedStage prepare_toolchain(const StageContext& context, const PythonProject& project,
                                const WheelTarget& target, const Arch* multiarch) {
    stage::StageSpec spec;
    spec.suite = target.suite;
    spec.kind = stage::StageKind::toolchain;
    spec.mirror = context.mirror;
    // Cross: host-arch rootfs with the target as a multiarch architecture. Emulate: the
    // whole stage in the target arch under qemu.
    spec.arch = target.emulate ? target.arch : &host_arch();
    spec.target = target.emulate ? target.arch : multiarch ? multiarch : target.arch;
    PreparedStage prepared;
    if (spec.arch != &host_arch()) stage::require_arch(*spec.arch, prepared);

    // The base is the suite's plain toolchain base (recipes/stages.toml already has these), which the
    // Node front end's builds share; what depends on the Python or the project is in the layer.
    auto python_packages = recipe_strings("toolchain", "packages", target.python, target.arch->debian);
    const std::string variant = stage::set_stage_packages(spec, python_packages);
    auto base = context.cache.ensure(spec, variant, context.reporter);

    MarkerEnvironment marker_env{target.python, std::string(target.arch->uname)};
    // With an index, [build-system] requires come from it (python/index_fetch.hpp), not from Debian.
    const bool from_index = !project.config.index_url.empty();
    std::vector<std::string> extra =
        from_index ? std::vector<std::string>{}
                   : debian_packages_for(project.build_requires, marker_env, target.arch->debian,
                                         project.config.requirement_packages,
                                         (project.dir / "pyproject.toml").string());
    auto layer_packages = recipe_strings("toolchain", "layer-packages", target.python, target.arch->debian);
    extra.insert(extra.end(), layer_packages.begin(), layer_packages.end());
    if (spec.cross()) {
        auto cross_packages =
            recipe_strings("toolchain", "cross-packages", target.python, spec.target->debian);
        extra.insert(extra.end(), cross_packages.begin(), cross_packages.end());
    }
    // The project's build-packages: its build tools run here, its libraries go to the sysroot.
    const auto build_packages =
        stage::split_build_packages(context, base, spec.describe(), project.config.build_packages);
    extra.insert(extra.end(), build_packages.tools.begin(), build_packages.tools.end());
    auto backport = backport_request(target, extra);
    auto layer = stage::ensure_layer(context.cache, {base, spec.describe(), extra}, context.launcher,
                                     context.reporter);
    backport.below = layer;
    backport.below_description = layer.key == base.key
                                     ? spec.describe()
                                     : fmt::format("{} + {}", spec.describe(), fmt::join(extra, " "));
    backport.mirror = context.mirror;
    auto top = stage::ensure_backport_layer(context.cache, backport, context.reporter);
    if (!from_index) check_pins(project, target, marker_env, top, base);
    prepared.layers = {top.root};
    if (layer.key != top.key) prepared.layers.push_back(layer.root);
    if (base.key != layer.key) prepared.layers.push_back(base.root);
    prepared.key = top.key;
    prepared.base_root = base.root;
    prepared.base_key = base.key;
    prepared.hold(base);
    prepared.hold(layer);
    prepared.hold(top);

    // The target half: the floor's C and C++ runtime, the project's build-packages that are not build
    // tools (libraries to link against: the target's, from the floor's suite) and the target Python's
    // headers, which the toolchain has (python3-dev in the base; libpython3.X-dev:<target> through
    // multiarch in the layer).
    const std::string include = "/usr/include/python" + target.python;
    const std::string arch_include =
        fmt::format("/usr/include/{}/python{}", target.arch->gnu_triplet, target.python);
    // From the layer when it installed that Python (forky's 3.15), else from the base.
    auto from = [&](const std::string& path) {
        const auto in_layer = layer.root / path.substr(1);
        return std::filesystem::exists(in_layer) ? in_layer : base.root / path.substr(1);
    };
    toolchain::SysrootRequest request{*target.floor,
                                      *target.arch,
                                      build_packages.sysroot,
                                      {{from(include), include}, {from(arch_include), arch_include}},
                                      "python " + target.python + " " + top.key};
    auto sysroot = toolchain::ensure_sysroot(context, request, prepared);
    prepared.sysroot = sysroot.root;
    prepared.sysroot_key = sysroot.key;
    prepared.description = spec.describe() + " + " + sysroot.description;
    return prepared;
}

PreparedStage prepare_test_stage(const StageContext& context, const PythonProject& project,
                                 const WheelTarget& target, const PreparedStage& toolchain) {
    stage::StageSpec spec;
    spec.suite = target.suite;
    spec.kind = stage::StageKind::runtime;
    spec.mirror = context.mirror;
    spec.arch = target.arch;
    PreparedStage prepared;
    stage::require_arch(*spec.arch, prepared);
    auto runtime_packages = recipe_strings("runtime", "packages", target.python, target.arch->debian);
    runtime_packages.insert(runtime_packages.end(), project.config.test_requires.begin(),
                            project.config.test_requires.end());
    // cibuildwheel's test-requires name PyPI projects: their Debian packages (with an index, pip
    // installs them from there instead: python/index_fetch.hpp).
    const auto test_packages =
        project.config.index_url.empty()
            ? debian_packages_for(project.config.test_requirements,
                                  {target.python, std::string(target.arch->uname)}, target.arch->debian,
                                  project.config.requirement_packages,
                                  (project.dir / "pyproject.toml").string(), "test requirement")
            : std::vector<std::string>{};
    runtime_packages.insert(runtime_packages.end(), test_packages.begin(), test_packages.end());
    const std::string variant = stage::set_stage_packages(spec, runtime_packages);

    // The tree and its .pyc files are one cache entry, keyed by both stages (the toolchain by its base:
    // a layer adds no other interpreter of the suite than the one runtime installs, at the same version).
    const std::string key =
        hash::sha256_hex("xbuild-python-runtime 1\n" + spec.key() + "\n" + toolchain.base_key).substr(0, 24);
    auto build = [&](const std::filesystem::path& temp) {
        stage::build_rootfs(spec, variant, {temp / "root", temp / "packages.tsv", temp / "build.log"});
        const std::string version = target.python;
        std::string script = fmt::format(
            "python{0} -m compileall -q -j0 -s /rt -p / /rt/usr/lib/python{0} "
            "/rt/usr/lib/python3/dist-packages "
            ">/dev/null 2>&1 || python{0} -m compileall -q -s /rt -p / /rt/usr/lib/python{0} "
            "/rt/usr/lib/python3/dist-packages",
            version);
        // The whole toolchain stack: a Python that is not the suite default (forky's 3.15) is in its layer.
        sandbox::SandboxSpec compile = stage::tool_run(context, toolchain);
        compile.binds = {{temp / "root", "/rt", false}};
        compile.env = sandbox::sandbox_environment({});
        compile.argv = {"sh", "-c", script};
        compile.log_file = temp / "build.log";
        int code = sandbox::run_sandbox(compile, context.launcher);
        if (code != 0) fail("byte-compiling the Python of {} failed (exit {})", spec.describe(), code);
        return nlohmann::json{{"kind", "runtime"},
                              {"suite", spec.suite},
                              {"arch", std::string(spec.arch->debian)},
                              {"packages", spec.packages},
                              {"description", spec.describe() + " (python, compiled)"}};
    };
    auto entry = context.cache.ensure_entry(
        key, fmt::format("rootfs {} with compiled Python", spec.describe()), build, context.reporter);
    prepared.layers = {entry.root};
    prepared.key = entry.key;
    prepared.description = spec.describe();
    prepared.hold(entry);
    return prepared;
}

}  // namespace xbuild::python
