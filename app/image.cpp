#include "app/image.hpp"

#include <algorithm>
#include <cstdlib>

#include "app/registry_credentials.hpp"
#include "app/run.hpp"
#include "builder/core/fs.hpp"
#include "builder/stage/result_cache.hpp"
#include "image/oci/auth.hpp"
#include "image/oci/reference.hpp"
#include "image/oci/registry.hpp"
#include "node/app_modules.hpp"
#include "python/image_wheels.hpp"
#include "python/targets.hpp"

namespace xbuild::app {

namespace stdfs = std::filesystem;

namespace {

// What the image installs: wheels (Python base) or node_modules (Node base), prepared once for all
// archs; the installer then fills each arch's dependencies layer.
image::DependencyInstaller prepare_dependencies(const stage::StageContext& context,
                                                const image::ImageConfig& config,
                                                const std::string& python_version, const stdfs::path& work) {
    const auto archs = archs_from_names(config.archs);
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
    request.install_dependencies =
        prepare_dependencies(run.context, request.config, request.python_version, work.path());
    return {image::build_image(run.context, request), outputs};
}

std::string create_index(const Session& session, const IndexCreateRequest& request) {
    return oci::create_index(request.target, request.sources, {false, registry_credentials(request.target)},
                             session.reporter());
}

}  // namespace xbuild::app
