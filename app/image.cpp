#include "app/image.hpp"

#include <algorithm>
#include <cstdlib>

#include "app/registry_credentials.hpp"
#include "app/run.hpp"
#include "builder/core/fs.hpp"
#include "builder/stage/result_cache.hpp"
#include "compiled/program.hpp"
#include "image/oci/auth.hpp"
#include "image/oci/reference.hpp"
#include "image/oci/registry.hpp"
#include "node/app_modules.hpp"
#include "python/image_wheels.hpp"
#include "python/targets.hpp"

namespace xbuild::app {

namespace stdfs = std::filesystem;

namespace {

// A compiled program ([build]): built for every arch, its installed files copied in; the packages
// of its sysroots tell the image which package of a library it linked.
image::DependencyInstaller prepare_program(const stage::StageContext& context, image::ImageRequest& request,
                                           const compiled::BuildConfig& build) {
    image::ImageConfig& config = request.config;
    if (!config.wheels.empty() || !config.node_packages.empty())
        fail("{}: [build] makes a program image: wheels and node-packages belong to a python3 or nodejs base",
             build.file);
    auto programs = std::make_shared<std::vector<compiled::BuiltProgram>>(compiled::build_programs(
        context, {build, config.suite, archs_from_names(config.archs), request.source_date_epoch}));
    for (const auto& program : *programs)
        request.linked_packages[std::string(program.arch->debian)] = program.linked_packages;
    // No entrypoint: the one program installed in bin/, when there is one.
    if (config.entrypoint.empty() && config.cmd.empty()) {
        std::vector<std::string> binaries;
        for (const std::string& file : programs->front().files)
            if (file.starts_with("/usr/local/bin/") && file.find('/', 15) == std::string::npos)
                binaries.push_back(file);
        if (binaries.size() == 1) config.entrypoint = binaries;
    }
    return [programs](const Arch& arch, const image::ImageBase&, const stdfs::path& root) {
        for (const auto& program : *programs)
            if (program.arch == &arch) fs::copy_tree(program.root, root);
        return std::vector<image::SbomPackage>{};
    };
}

// What the image installs: wheels (Python base) or node_modules (Node base), prepared once for all
// archs; the installer then fills each arch's dependencies layer.
image::DependencyInstaller prepare_dependencies(const stage::StageContext& context,
                                                const image::ImageConfig& config,
                                                const std::string& python_version, const stdfs::path& work) {
    const auto archs = archs_from_names(config.archs);
    if ((config.base == image::BaseKind::cc || config.base == image::BaseKind::static_files) &&
        (!config.wheels.empty() || !config.node_packages.empty()))
        fail("{}: wheels and node-packages need base = \"python3\" or \"nodejs\"",
             (config.dir / "xbuild.toml").string());
    if (config.base == image::BaseKind::cc || config.base == image::BaseKind::static_files) return {};
    if (config.base == image::BaseKind::nodejs && !config.wheels.empty())
        fail("{}: wheels need base = \"python3\"", (config.dir / "xbuild.toml").string());
    if (config.base == image::BaseKind::python3 && !config.node_packages.empty())
        fail("{}: node-packages need base = \"nodejs\"", (config.dir / "xbuild.toml").string());
    if (config.base == image::BaseKind::python3) {
        auto wheels = python::collect_image_wheels(
            context, {config.wheels, config.dir, archs, python_version, work / "wheelhouse"});
        return [&context, &config, python_version, wheels, work](
                   const Arch& arch, const image::ImageBase& base, const stdfs::path& root) {
            const python::ImagePython image{python_version, std::string(arch.debian), base.glibc_version};
            auto installed = python::install_image_wheels(wheels, root, image, work);
            if (config.compile_bytecode)
                python::compile_image_wheels(context, config.suite, image, installed, root);
            std::vector<image::SbomPackage> components;
            for (const auto& wheel : installed) {
                image::SbomPackage package;
                package.name = wheel.name;
                package.version = wheel.version;
                package.kind = image::SbomPackage::Kind::pypi;
                package.purl = wheel.purl();
                components.push_back(package);
            }
            return components;
        };
    }
    std::vector<stdfs::path> packages;
    for (const std::string& entry : config.node_packages) packages.push_back(config.dir / entry);
    const stdfs::path node_modules =
        node::install_app_modules(context, {config.dir, packages, archs, config.suite, work / "node"});
    return [node_modules](const Arch& arch, const image::ImageBase&, const stdfs::path& root) {
        std::vector<image::SbomPackage> components;
        if (node_modules.empty()) return components;
        for (const auto& package : node::copy_node_modules(node_modules, root / "app/node_modules", arch)) {
            image::SbomPackage component;
            component.name = package.name;
            component.version = package.version;
            component.kind = image::SbomPackage::Kind::npm;
            components.push_back(component);
        }
        return components;
    };
}

}  // namespace

ImageResult build_image(const Session& session, const ImageRequest& options) {
    Run run(session);
    const stdfs::path dir = stdfs::absolute(options.source).lexically_normal();
    image::ImageRequest request;
    request.config = image::load_image_config(dir, {options.tag, options.archs});
    stage::use_project_cache_registry(run.context, request.config.cache_registry);
    if (request.config.base == image::BaseKind::python3)
        request.python_version = python::python_for_suite(request.config.suite);
    request.source_date_epoch = stage::source_date_epoch(dir, 0);
    auto& outputs = request.outputs;
    outputs.format = options.docker_format ? image::ArchiveFormat::docker : image::ArchiveFormat::oci;
    outputs.layout = options.layout.empty() ? stdfs::path() : stdfs::absolute(options.layout);
    outputs.push = options.push;
    if (!options.output.empty())
        outputs.archive = stdfs::absolute(options.output);
    else if (outputs.layout.empty() && !outputs.push)
        outputs.archive = stdfs::absolute("image.tar");
    if (outputs.push && !request.config.tag.empty())
        outputs.credentials = registry_credentials(request.config.tag);

    fs::TempDir work(work_dir(session), "image-");
    if (auto build = compiled::load_build_config(dir))
        request.install_dependencies = prepare_program(run.context, request, *build);
    else
        request.install_dependencies =
            prepare_dependencies(run.context, request.config, request.python_version, work.path());
    return {image::build_image(run.context, request), outputs};
}

std::string create_index(const Session& session, const IndexCreateRequest& request) {
    return oci::create_index(request.target, request.sources, {false, registry_credentials(request.target)},
                             session.reporter());
}

}  // namespace xbuild::app
