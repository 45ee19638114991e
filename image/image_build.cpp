#include "image/image_build.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "image/app_files.hpp"
#include "image/closure.hpp"
#include "image/closure_packages.hpp"
#include "image/oci/blob_store.hpp"
#include "image/oci/image.hpp"
#include "image/oci/layer.hpp"
#include "image/oci/output.hpp"
#include "image/oci/reference.hpp"
#include "image/oci/registry.hpp"
#include "image/package_index.hpp"

namespace xbuild::image {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* k_default_path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr const char* k_sbom_type = "application/spdx+json";

bool is_empty_dir(const stdfs::path& dir) {
    return stdfs::is_empty(dir);
}

// The base layer of a base is the same every time: its blob is kept in the store and found again by
// the base's key (a layer of 60 MB takes seconds to compress; warm assembly must not redo it).
oci::Layer base_layer(const oci::BlobStore& store, const ImageBase& base, const oci::LayerOptions& options) {
    const std::string key = hash::sha256_hex(fmt::format("xbuild-base-layer 1 {} {} {}", base.key,
                                                         options.mtime, options.gzip_level))
                                .substr(0, 24);
    const stdfs::path record = store.dir() / "layers" / (key + ".json");
    if (stdfs::exists(record)) {
        try {
            const json saved = json::parse(fs::read_file(record));
            oci::Layer layer;
            layer.diff_id = saved.at("diff_id").get<std::string>();
            layer.blob = oci::descriptor_from_json(saved.at("blob"), record.string());
            layer.tar_size = saved.at("tar_size").get<std::uint64_t>();
            if (store.has(layer.blob.digest)) return layer;
        } catch (const std::exception&) {
            // Unreadable record: write the layer again.
        }
    }
    oci::Layer layer = oci::write_layer(base.root, store, options);
    fs::make_dirs(record.parent_path());
    fs::write_file_atomic(
        record,
        json{{"diff_id", layer.diff_id}, {"blob", oci::to_json(layer.blob)}, {"tar_size", layer.tar_size}}
                .dump() +
            "\n");
    return layer;
}

// Every missing library in one line, with the Debian package that has it when the archive's Contents
// index tells.
[[noreturn]] void fail_closure(const stage::StageContext& context, const ImageConfig& config,
                               const Arch& arch, const ClosureReport& report) {
    Providers providers;
    try {
        PackageIndex index(context.cache.dir() / "contents", context.mirror, config.suite, arch);
        providers = index.providers(report.missing_sonames());
    } catch (const Error& error) {
        context.reporter.info(fmt::format("could not look the packages up: {}", error.what()));
    }
    std::string text = describe_missing(report, providers);
    for (auto pos = text.find('\n'); pos != std::string::npos; pos = text.find('\n', pos))
        text.replace(pos, 1, "; ");
    fail("image {}: the ELF closure check failed: {}", arch.debian, text);
}

// base = "cc": the packages of the libraries the closure misses are added to the base, which is made
// again with them, until nothing is missing (a library's own needs come with its package's Depends).
ClosureReport add_closure_packages(const stage::StageContext& context, const ImageRequest& request,
                                   const Arch& arch, const std::vector<stdfs::path>& upper, ImageBase& base,
                                   PlatformImage& platform) {
    const ImageConfig& config = request.config;
    auto layers = [&] {
        auto all = upper;
        all.push_back(base.root);
        return all;
    };
    const auto linked = request.linked_packages.find(platform.arch);
    const std::vector<std::string> preferred =
        linked == request.linked_packages.end() ? std::vector<std::string>{} : linked->second;
    std::vector<std::string> packages = config.packages;
    std::map<std::string, std::string> added;  // package -> soname
    ClosureReport closure = check_closure(layers(), arch);
    for (int round = 0; round < 4 && !closure.ok(); ++round) {
        bool more = false;
        for (const auto& [soname, package] :
             packages_for_missing(context, config.suite, arch, closure, preferred))
            if (added.emplace(package, soname).second) {
                packages.push_back(package);
                more = true;
            }
        if (!more) break;
        base = request.base(
            context, {config.suite, &arch, config.base, request.python_version, packages, config.shell});
        closure = check_closure(layers(), arch);
    }
    for (const auto& [package, soname] : added) {
        std::string version;
        for (const auto& installed : base.packages)
            if (installed.name == package) version = installed.version;
        platform.added.push_back(fmt::format("{} {} ({})", package, version, soname));
        context.reporter.info(
            fmt::format("{}: added {} {} for {} (ELF closure)", platform.arch, package, version, soname));
    }
    return closure;
}

std::string size_text(std::uint64_t bytes) {
    return format_bytes(bytes);
}

}  // namespace

ImageResult build_image(const stage::StageContext& context, const ImageRequest& request) {
    const ImageConfig& config = request.config;
    const ImageOutputs& outputs = request.outputs;
    const auto archs = archs_from_names(config.archs);
    if (outputs.format == ArchiveFormat::docker && !outputs.archive.empty() && archs.size() > 1)
        fail(
            "a docker-archive holds one platform and the image has {}: use --format oci (podman load and "
            "skopeo "
            "read it, docker loads it with the containerd store) or one --arch",
            archs.size());
    if (outputs.archive.empty() && outputs.layout.empty() && !outputs.push)
        fail("nothing to write: give -o FILE, --layout DIR or --push");

    const oci::BlobStore store(context.cache.dir() / "images");
    // In use while the image is assembled: `xbuild cache prune` keeps the blob store's directories.
    std::vector<fs::FileLock> store_in_use;
    for (const char* area : {"blobs", "layers"}) {
        fs::make_dirs(store.dir() / area);
        if (auto lock = fs::FileLock::acquire(store.dir() / area, fs::LockMode::shared, fs::LockWait::block))
            store_in_use.push_back(std::move(*lock));
    }
    fs::make_dirs(context.cache.dir() / "work");  // each arch assembles in a directory of its own there
    const oci::LayerOptions layer_options{request.source_date_epoch, request.gzip_level};
    ImageResult result;
    result.tag = config.tag;
    std::vector<oci::Descriptor> manifests, artifacts;
    std::vector<std::string> sboms;
    for (const Arch* arch : archs) {
        PlatformImage platform;
        platform.arch = std::string(arch->debian);
        auto base = request.base(context, {config.suite, arch, config.base, request.python_version,
                                           config.packages, config.shell});
        fs::TempDir work(context.cache.dir() / "work", "image-" + platform.arch + "-");
        const stdfs::path deps = work.path() / "dependencies", app = work.path() / "app";
        fs::make_dirs(deps);
        fs::make_dirs(app);
        Step step(context.reporter, fmt::format("{}: assembling {}", platform.arch, config.tag));
        std::vector<SbomPackage> components;
        if (request.install_dependencies) components = request.install_dependencies(*arch, base, deps);
        copy_app_files(config, app);

        auto closure = check_closure({app, deps, base.root}, *arch);
        if (config.base == BaseKind::cc && !closure.ok())
            closure = add_closure_packages(context, request, *arch, {app, deps}, base, platform);
        if (config.base == BaseKind::static_files && !closure.ok())
            fail(
                "image {}: {} is dynamically linked (it needs {}), and base = \"static\" has no C library: "
                "use base = \"cc\" or link it statically",
                platform.arch, closure.missing.front().file, closure.missing.front().soname);
        if (!closure.ok()) fail_closure(context, config, *arch, closure);

        std::vector<std::pair<std::string, oci::Layer>> layers{
            {"base", base_layer(store, base, layer_options)}};
        if (!is_empty_dir(deps))
            layers.emplace_back("dependencies", oci::write_layer(deps, store, layer_options));
        if (!is_empty_dir(app)) layers.emplace_back("app", oci::write_layer(app, store, layer_options));

        oci::ImageConfig image;
        image.platform = oci::platform_of(*arch);
        image.created = request.source_date_epoch;
        image.entrypoint = config.entrypoint.empty() ? base.entrypoint : config.entrypoint;
        if (image.entrypoint.empty() && config.cmd.empty() &&
            (config.base == BaseKind::cc || config.base == BaseKind::static_files))
            fail("{}: [image] entrypoint is needed: base = \"{}\" has no program of its own to run",
                 (config.dir / "xbuild.toml").string(), base_name(config.base));
        image.cmd = config.cmd;
        image.env.push_back(k_default_path);
        image.env.insert(image.env.end(), base.env.begin(), base.env.end());
        for (const auto& [name, value] : config.env) image.env.push_back(name + "=" + value);
        image.working_dir = config.workdir;
        image.user = config.user;
        image.labels = config.labels;
        image.exposed_ports = config.ports;
        std::vector<oci::Descriptor> blobs;
        for (const auto& [name, layer] : layers) {
            image.diff_ids.push_back(layer.diff_id);
            blobs.push_back(layer.blob);
            image.history.push_back({fmt::format("xbuild {}: {}", XBUILD_VERSION,
                                                 name == "base" ? base.description : name + " layer"),
                                     "", false});
            platform.uncompressed_bytes += layer.tar_size;
            platform.compressed_bytes += layer.blob.size;
            platform.layers.push_back(fmt::format("{} {}", name, size_text(layer.blob.size)));
        }
        oci::Descriptor manifest = oci::put_image(store, image, blobs);
        platform.manifest_digest = manifest.digest;
        platform.base = base.key;

        SbomDocument sbom;
        sbom.image_name = config.tag;
        sbom.platform = oci::to_string(image.platform);
        sbom.distro = "debian";
        sbom.suite = config.suite;
        sbom.image_digest = manifest.digest;
        sbom.created = request.source_date_epoch;
        sbom.tool = std::string("xbuild-") + XBUILD_VERSION;
        for (const auto& package : base.packages)
            sbom.packages.push_back({package.name, package.version, SbomPackage::Kind::deb, package.arch,
                                     package.source, "", "", ""});
        sbom.packages.insert(sbom.packages.end(), components.begin(), components.end());
        platform.sbom_packages = sbom.packages.size();
        const std::string sbom_text = spdx_json(sbom);
        sboms.push_back(sbom_text);
        const oci::Descriptor sbom_blob = store.put(k_sbom_type, sbom_text);
        artifacts.push_back(oci::put_artifact(store, k_sbom_type, {sbom_blob}, manifest));
        manifests.push_back(manifest);
        step.done();
        context.reporter.info(fmt::format(
            "{}: {} ({} uncompressed, {} compressed; {}; {} packages in the SBOM)", platform.arch,
            oci::short_digest(manifest.digest), size_text(platform.uncompressed_bytes),
            size_text(platform.compressed_bytes), fmt::join(platform.layers, ", "), platform.sbom_packages));
        result.platforms.push_back(platform);
    }

    std::vector<oci::Descriptor> entries = manifests;
    entries.insert(entries.end(), artifacts.begin(), artifacts.end());
    const oci::Descriptor root = oci::put_index(store, entries);
    result.digest = outputs.format == ArchiveFormat::docker && !outputs.archive.empty()
                        ? manifests.front().digest
                        : root.digest;
    if (!outputs.archive.empty()) {
        Step step(context.reporter, fmt::format("writing {}", outputs.archive.string()));
        fs::make_dirs(outputs.archive.parent_path());
        if (outputs.format == ArchiveFormat::docker)
            oci::write_docker_archive(store, manifests.front(), outputs.archive, config.tag,
                                      request.source_date_epoch);
        else
            oci::write_oci_archive(store, root, outputs.archive, config.tag, request.source_date_epoch);
        // The SBOMs beside the archive, one per platform.
        for (std::size_t i = 0; i < archs.size(); ++i) {
            stdfs::path file = outputs.archive;
            file.replace_extension(std::string(archs[i]->debian) + ".spdx.json");
            fs::write_file_atomic(file, sboms[i]);
            result.platforms[i].sbom = file;
        }
        step.done();
    }
    if (!outputs.layout.empty()) {
        Step step(context.reporter, fmt::format("writing the OCI layout {}", outputs.layout.string()));
        // One platform: the manifest itself under the tag and the SBOM beside it in index.json, which
        // layout tools that do not choose platforms (umoci) read; several: the index.
        if (manifests.size() == 1)
            oci::write_oci_layout(store, manifests.front(), outputs.layout, config.tag, artifacts);
        else
            oci::write_oci_layout(store, root, outputs.layout, config.tag);
        step.done();
    }
    if (outputs.push) {
        Step step(context.reporter, fmt::format("pushing {}", config.tag));
        oci::push(store, root, config.tag, {outputs.insecure, outputs.credentials}, context.reporter);
        step.done();
    }
    return result;
}

std::string image_json(const ImageResult& result, const ImageOutputs& outputs) {
    json platforms = json::array();
    for (const auto& platform : result.platforms)
        platforms.push_back({{"arch", platform.arch},
                             {"manifest", platform.manifest_digest},
                             {"base", platform.base},
                             {"uncompressed_bytes", platform.uncompressed_bytes},
                             {"compressed_bytes", platform.compressed_bytes},
                             {"layers", platform.layers},
                             {"added_packages", platform.added},
                             {"sbom", platform.sbom.string()},
                             {"sbom_packages", platform.sbom_packages}});
    json out = {{"tag", result.tag}, {"digest", result.digest}, {"platforms", platforms}};
    if (!outputs.archive.empty()) out["archive"] = outputs.archive.string();
    if (!outputs.layout.empty()) out["layout"] = outputs.layout.string();
    out["pushed"] = outputs.push;
    return out.dump(2);
}

}  // namespace xbuild::image
