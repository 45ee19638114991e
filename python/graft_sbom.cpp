#include "python/graft_sbom.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "python/wheel_name.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

std::string library_package_name(const std::string& soname) {
    std::string stem = soname, version;
    if (auto so = soname.find(".so"); so != std::string::npos) {
        stem = soname.substr(0, so);
        version = soname.size() > so + 4 ? soname.substr(so + 4) : "";
    }
    std::string name = stem;
    if (!version.empty())
        name += (std::isdigit(static_cast<unsigned char>(stem.back())) ? "-" : "") + version;
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

PackageOwners::PackageOwners(stdfs::path root, const stdfs::path& packages_tsv, std::string suite)
    : m_root(std::move(root)), m_suite(std::move(suite)) {
    if (auto packages = stage::read_installed_packages(packages_tsv))
        for (const auto& package : *packages)
            m_packages[package.name] = {package.name, package.version, package.arch};
}

DebianPackage PackageOwners::owner(const std::string& stage_path, const std::string& soname) const {
    // dpkg's lists name /lib/... or /usr/lib/... as the package has it; a merged-/usr tree has both.
    std::string other = stage_path.starts_with("/usr/") ? stage_path.substr(4) : "/usr" + stage_path;
    std::error_code error;
    const stdfs::path info = m_root / "var/lib/dpkg/info";
    if (stdfs::is_directory(info, error)) {
        for (const auto& entry : stdfs::directory_iterator(info, error)) {
            if (entry.path().extension() != ".list") continue;
            const std::string text = fs::read_file(entry.path());
            for (std::string_view line : text::lines(text)) {
                if (line != stage_path && line != other) continue;
                std::string name = entry.path().stem().string();
                name = name.substr(0, name.find(':'));
                if (auto found = m_packages.find(name); found != m_packages.end()) return found->second;
                return {name, "", ""};
            }
        }
    }
    const std::string expected = library_package_name(soname);
    for (const std::string& candidate : {expected, expected + "t64"})
        if (auto found = m_packages.find(candidate); found != m_packages.end()) return found->second;
    // Packages named after the library without its soname version (libjpeg62-turbo): the one whose
    // name starts with the library's stem, when only one does (-dev, -doc and -bin packages aside).
    const std::string stem =
        expected.substr(0, soname.find(".so") == std::string::npos ? expected.size() : soname.find(".so"));
    const DebianPackage* only = nullptr;
    for (const auto& [name, package] : m_packages) {
        if (!name.starts_with(stem) || name.ends_with("-dev") || name.ends_with("-doc") ||
            name.ends_with("-bin"))
            continue;
        if (only) return {};
        only = &package;
    }
    return only ? *only : DebianPackage{};
}

std::string graft_sbom(const std::string& wheel_filename, const std::string& distribution,
                       const std::string& version, const std::vector<elf::GraftedLibrary>& grafted,
                       const PackageOwners& owners) {
    const std::string wheel_ref =
        "pkg:pypi/" + normalize_name(distribution) + "@" + version + "?file_name=" + wheel_filename;
    nlohmann::json components = nlohmann::json::array(), depends = nlohmann::json::array();
    for (const elf::GraftedLibrary& library : grafted) {
        const DebianPackage package = owners.owner(library.stage_path, library.soname);
        nlohmann::json component = {{"type", "library"}};
        if (!package.name.empty()) {
            std::string purl = "pkg:deb/debian/" + package.name + "@" + package.version;
            std::string query;
            if (!package.arch.empty()) query += "arch=" + package.arch;
            if (!owners.suite().empty())
                query += (query.empty() ? "" : "&") + std::string("distro=") + owners.suite();
            if (!query.empty()) purl += "?" + query;
            component["bom-ref"] = purl;
            component["name"] = package.name;
            component["version"] = package.version;
            component["purl"] = purl;
        } else {
            component["bom-ref"] = "file:" + library.stage_path;
            component["name"] = library.soname;
        }
        const stdfs::path file = owners.root() / library.stage_path.substr(library.stage_path.front() == '/');
        component["hashes"] = {{{"alg", "SHA-256"}, {"content", hash::sha256_file_hex(file)}}};
        component["properties"] = {{{"name", "xbuild:soname"}, {"value", library.soname}},
                                   {{"name", "xbuild:path"}, {"value", library.stage_path}},
                                   {{"name", "xbuild:grafted-as"}, {"value", library.new_name}}};
        depends.push_back(component["bom-ref"]);
        components.push_back(std::move(component));
    }
    nlohmann::json document = {
        {"bomFormat", "CycloneDX"},
        {"specVersion", "1.4"},
        {"version", 1},
        {"metadata",
         {{"component",
           {{"type", "library"},
            {"bom-ref", wheel_ref},
            {"name", distribution},
            {"version", version},
            {"purl", wheel_ref}}},
          {"tools", {{{"name", "xbuild"}, {"version", XBUILD_VERSION}}}}}},
        {"components", components},
        {"dependencies", {{{"ref", wheel_ref}, {"dependsOn", depends}}}},
    };
    return document.dump(2) + "\n";
}

}  // namespace xbuild::python
