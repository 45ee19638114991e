#include "python/image_wheels.hpp"

#include <glob.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/recipes.hpp"
#include "python/wheel_compat.hpp"
#include "python/wheel_name.hpp"
#include "python/wheels.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

namespace {

std::vector<stdfs::path> glob_wheels(const stdfs::path& dir, const std::string& pattern) {
    glob_t found{};
    const std::string full = (dir / pattern).string();
    std::vector<stdfs::path> paths;
    if (::glob(full.c_str(), 0, nullptr, &found) == 0)
        for (std::size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
    ::globfree(&found);
    return paths;
}

}  // namespace

std::vector<stdfs::path> collect_image_wheels(const stage::StageContext& context,
                                              const ImageWheelsRequest& request) {
    std::vector<stdfs::path> wheels;
    std::vector<std::string> archs;
    for (const Arch* arch : request.archs) archs.emplace_back(arch->uname);
    for (const std::string& entry : request.entries) {
        const stdfs::path path = request.dir / entry;
        if (stdfs::is_directory(path)) {
            WheelsOptions options;
            options.source = path;
            options.overrides = {archs, {request.python_version}};
            options.output_dir = request.wheelhouse;
            auto outcomes = build_wheels(context, options);
            for (const auto& outcome : outcomes) {
                if (!outcome.ok) fail("{}: {} (log: {})", path.string(), outcome.error, outcome.log.string());
                wheels.push_back(outcome.wheel);
            }
            continue;
        }
        auto files = glob_wheels(request.dir, entry);
        if (files.empty())
            fail("{}: wheels entry '{}' is neither a project directory nor a .whl file that exists",
                 (request.dir / "xbuild.toml").string(), entry);
        for (const auto& file : files) {
            if (file.extension() != ".whl")
                fail("{}: wheels entry '{}' matches {}, which is not a .whl file",
                     (request.dir / "xbuild.toml").string(), entry, file.string());
            wheels.push_back(stdfs::absolute(file));
        }
    }
    std::sort(wheels.begin(), wheels.end());
    wheels.erase(std::unique(wheels.begin(), wheels.end()), wheels.end());
    return wheels;
}

std::vector<InstalledWheel> install_image_wheels(const std::vector<stdfs::path>& wheels,
                                                 const stdfs::path& root, const ImagePython& image,
                                                 const stdfs::path& work_dir) {
    // Per distribution, the wheels that run on the image; the first one is installed.
    std::map<std::string, std::vector<stdfs::path>> runnable;
    std::map<std::string, std::vector<std::string>> reasons;
    for (const auto& wheel : wheels) {
        const WheelName name = parse_wheel_name(wheel.filename().string());
        const std::string distribution = normalize_name(name.distribution);
        runnable[distribution];  // every distribution is listed
        try {
            compatible_tag(name, image);
            runnable[distribution].push_back(wheel);
        } catch (const Error& error) {
            reasons[distribution].push_back(error.what());
        }
    }
    WheelInstaller installer(root, {image, "", Requested::yes, work_dir});
    std::vector<InstalledWheel> installed;
    for (const auto& [distribution, candidates] : runnable) {
        if (candidates.empty())
            fail("no wheel of {} runs on {}: {}", distribution, image.describe(),
                 fmt::join(reasons[distribution], "; "));
        installed.push_back(installer.install(candidates.front()));
    }
    return installed;
}

void compile_image_wheels(const stage::StageContext& context, const std::string& suite,
                          const ImagePython& image, const std::vector<InstalledWheel>& installed,
                          const stdfs::path& root) {
    if (installed.empty()) return;
    stage::StageSpec spec;
    spec.suite = suite;
    spec.arch = &host_arch();
    spec.kind = stage::StageKind::runtime;
    spec.mirror = context.mirror;
    const std::string python = "python" + image.python_version;
    const std::string variant =
        stage::set_stage_packages(spec, {python + "-minimal", "lib" + python + "-stdlib"});
    auto entry = context.cache.ensure(spec, variant, context.reporter);
    const InstallScheme scheme = debian_scheme(image.python_version);

    sandbox::SandboxSpec run;
    run.layers = {entry.root};
    run.scratch_parent = context.cache.sandbox_dir();
    run.binds = {{root, "/image", false}};
    run.env = sandbox::sandbox_environment({});
    run.argv = {python, "-m",     "compileall", "-q", "--invalidation-mode",     "unchecked-hash",
                "-s",   "/image", "-p",         "/",  "/image/" + scheme.purelib};
    const stdfs::path log = root.parent_path() / "compileall.log";
    run.log_file = log;
    int code = sandbox::run_sandbox(run, context.launcher);
    if (code != 0) fail("byte-compiling the installed wheels failed (exit {}): {}", code, fs::read_file(log));

    // pip lists .pyc files in RECORD without a hash.
    const std::string tag = "cpython-" + image.python_version.substr(0, 1) + image.python_version.substr(2);
    for (const InstalledWheel& wheel : installed) {
        auto record = std::find_if(wheel.files.begin(), wheel.files.end(), [](const std::string& file) {
            return file.ends_with(".dist-info/RECORD");
        });
        if (record == wheel.files.end()) continue;
        std::string lines;
        const stdfs::path site = "/" + scheme.purelib;
        for (const std::string& source : wheel.python_sources) {
            const stdfs::path py(source);
            const stdfs::path pyc =
                py.parent_path() / "__pycache__" / (py.stem().string() + "." + tag + ".pyc");
            if (stdfs::exists(root / pyc.relative_path()))
                lines += pyc.lexically_relative(site).string() + ",,\n";
        }
        const stdfs::path record_file = root / stdfs::path(*record).relative_path();
        fs::write_file_atomic(record_file, fs::read_file(record_file) + lines);
    }
}

}  // namespace xbuild::python
