#include "image/image_base.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/result_cache.hpp"
#include "builder/stage/rootfs_builder.hpp"
#include "image/prune.hpp"

namespace xbuild::image {

namespace stdfs = std::filesystem;

namespace {

const stage::RecipeFile& image_recipes() {
    return stage::RecipeFile::get("image.toml");
}

// "usr/bin/python3 -> python3.13": a relative symlink made in the tree.
void make_link(const stdfs::path& root, const std::string& spec) {
    auto arrow = spec.find(" -> ");
    if (arrow == std::string::npos)
        fail("{}: link '{}' is not 'PATH -> TARGET'", image_recipes().path().string(), spec);
    const std::string path = spec.substr(0, arrow), target = spec.substr(arrow + 4);
    const stdfs::path link = root / path;
    if (stdfs::path(path).is_absolute() || path.find("..") != std::string::npos)
        fail("{}: link path '{}' must be relative to the image root", image_recipes().path().string(), path);
    fs::make_dirs(link.parent_path());
    std::error_code error;
    stdfs::remove(link, error);
    stdfs::create_symlink(target, link, error);
    if (error) fail("failed to make the link {} -> {}: {}", link.string(), target, error.message());
}

void make_dir(const stdfs::path& dir, unsigned mode) {
    fs::make_dirs(dir);
    if (::chmod(dir.c_str(), mode) != 0)
        fail("failed to set the mode of {}: {}", dir.string(), errno_text(errno));
}

// Users and groups of a distroless image: root, nobody and nonroot (65532, the default user).
void write_accounts(const stdfs::path& root) {
    fs::write_file_atomic(root / "etc/passwd",
                          "root:x:0:0:root:/root:/sbin/nologin\n"
                          "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
                          "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
    fs::write_file_atomic(root / "etc/group",
                          "root:x:0:\ntty:x:5:\nstaff:x:50:\nnogroup:x:65534:\nnonroot:x:65532:\n");
    make_dir(root / "root", 0700);
    make_dir(root / "home/nonroot", 0755);
    make_dir(root / "tmp", 01777);
}

// A control paragraph's field ("Version"), "" when absent.
std::string field(const std::string& control, std::string_view name) {
    for (std::string_view line : text::lines(control)) {
        if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ':')
            return std::string(text::trim(line.substr(name.size() + 1)));
    }
    return {};
}

// status.d from the control files the extraction saved (only those of `only` when it is not empty);
// returns the packages for the SBOM.
std::vector<DebianPackage> write_status(const stdfs::path& root, const stdfs::path& controls,
                                        const std::vector<std::string>& only) {
    const stdfs::path status = root / "var/lib/dpkg/status.d";
    fs::make_dirs(status);
    std::vector<DebianPackage> packages;
    std::vector<stdfs::path> files;
    for (const auto& entry : stdfs::directory_iterator(controls)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        const std::string name = file.filename().string();
        const std::string package = name.ends_with(".md5sums")
                                        ? name.substr(0, name.size() - std::string_view(".md5sums").size())
                                        : name;
        if (!only.empty() && std::find(only.begin(), only.end(), package) == only.end()) continue;
        if (name.ends_with(".md5sums")) {
            fs::write_file_atomic(status / name, fs::read_file(file));
            continue;
        }
        const std::string control = fs::read_file(file);
        fs::write_file_atomic(status / name, status_entry(control));
        std::string source = field(control, "Source");
        source = source.substr(0, source.find(' '));  // "glibc (2.41-12)"
        packages.push_back({field(control, "Package"), field(control, "Version"),
                            field(control, "Architecture"),
                            source == field(control, "Package") ? "" : source});
    }
    return packages;
}

std::vector<DebianPackage> read_packages(const stdfs::path& root) {
    std::vector<DebianPackage> packages;
    const stdfs::path status = root / "var/lib/dpkg/status.d";
    std::vector<stdfs::path> files;
    for (const auto& entry : stdfs::directory_iterator(status))
        if (!entry.path().filename().string().ends_with(".md5sums")) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        const std::string control = fs::read_file(file);
        std::string source = field(control, "Source");
        source = source.substr(0, source.find(' '));
        packages.push_back({field(control, "Package"), field(control, "Version"),
                            field(control, "Architecture"),
                            source == field(control, "Package") ? "" : source});
    }
    return packages;
}

}  // namespace

std::string status_entry(const std::string& control) {
    std::string out;
    bool added = false;
    for (std::string_view line : text::lines(control)) {
        if (line.empty()) break;  // one paragraph
        out += std::string(line) + "\n";
        if (!added && line.starts_with("Package:")) {
            out += "Status: install ok installed\n";
            added = true;
        }
    }
    if (!added) fail("a control paragraph without a Package field");
    return out;
}

ImageBase ensure_image_base(const stage::StageContext& context, const ImageBaseRequest& request) {
    const auto& recipes = image_recipes();
    const std::string section = "base." + std::string(base_name(request.base));
    const stage::RecipeFile::Placeholders placeholders{{"python", request.python_version},
                                                       {"triplet", std::string(request.arch->gnu_triplet)}};
    stage::StageSpec spec;
    spec.suite = request.suite;
    spec.arch = request.arch;
    spec.kind = stage::StageKind::runtime;
    spec.mirror = context.mirror;
    spec.packages = recipes.strings(section, "packages", placeholders);
    if (spec.packages.empty()) fail("{}: [{}] has no packages", recipes.path().string(), section);
    if (request.shell) {
        auto shell = recipes.strings("shell", "packages", placeholders);
        spec.packages.insert(spec.packages.end(), shell.begin(), shell.end());
    }
    for (const std::string& package : request.packages) {
        stage::check_package_name(package);
        spec.packages.push_back(package);
    }
    spec.normalize();

    PruneRules rules{recipes.strings("prune", "paths", placeholders),
                     recipes.strings("prune", "patterns", placeholders),
                     recipes.strings("prune", "keep", placeholders)};
    if (!request.shell) {
        auto shells = recipes.strings("shell", "remove-without", placeholders);
        rules.paths.insert(rules.paths.end(), shells.begin(), shells.end());
    }
    std::vector<std::string> links = recipes.strings(section, "links", placeholders);
    // A base of files alone (static): what its packages bring beyond these paths goes, and only the
    // packages the recipe names are listed.
    const std::vector<std::string> keep_paths = recipes.strings(section, "keep-only", placeholders);
    const std::vector<std::string> listed =
        keep_paths.empty() ? std::vector<std::string>{} : recipes.strings(section, "packages", placeholders);
    if (request.shell) {
        auto shell_links = recipes.strings("shell", "links", placeholders);
        links.insert(links.end(), shell_links.begin(), shell_links.end());
    }

    ImageBase base;
    base.description =
        fmt::format("{}/{} {} image base", spec.suite, spec.arch->debian, base_name(request.base));
    // The base is made by this binary's code (pruning, links, accounts, status.d): a rebuilt xbuild
    // makes it again rather than reuse one an older xbuild made.
    const std::string key =
        hash::sha256_hex(fmt::format("xbuild-image-base 1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n", spec.key(),
                                     stage::binary_identity(), fmt::join(rules.paths, " "),
                                     fmt::join(rules.patterns, " "), fmt::join(rules.keep, " "),
                                     fmt::join(links, " "), request.shell, fmt::join(keep_paths, " ")))
            .substr(0, 24);
    auto build = [&](const stdfs::path& temp) {
        const stdfs::path root = temp / "root";
        stage::build_rootfs(spec, "extract",
                            {root, temp / "packages.tsv", temp / "build.log", temp / "controls"});
        prune_tree(root, rules);
        if (!keep_paths.empty()) keep_only(root, keep_paths);
        for (const std::string& link : links) make_link(root, link);
        write_accounts(root);
        write_status(root, temp / "controls", listed);
        fs::remove_tree(temp / "controls");
        return nlohmann::json{{"kind", "image-base"},
                              {"suite", spec.suite},
                              {"arch", std::string(spec.arch->debian)},
                              {"packages", spec.packages},
                              {"description", base.description}};
    };
    auto entry = context.cache.ensure_entry(key, base.description, build, context.reporter);
    base.key = entry.key;
    base.root = entry.root;
    base.in_use = entry.in_use;
    base.entrypoint = recipes.strings(section, "entrypoint", placeholders);
    base.env = recipes.strings(section, "env", placeholders);
    base.packages = read_packages(entry.root);
    for (const auto& package : base.packages)
        if (package.name == "libc6")
            base.glibc_version = package.version.substr(0, package.version.find('-'));
    if (base.glibc_version.empty() && request.base != BaseKind::static_files)
        fail("{}: the image base has no libc6", base.description);
    return base;
}

}  // namespace xbuild::image
