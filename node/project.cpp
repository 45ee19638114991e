#include "node/project.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include <nlohmann/json.hpp>

#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/stage.hpp"
#include "builder/toolchain/floor.hpp"

namespace xbuild::node {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

// A string ("x64,arm64") or an array of strings.
std::vector<std::string> string_list(const json& value, const std::string& where) {
    if (value.is_string()) return text::split_list(value.get<std::string>());
    if (!value.is_array()) fail("{}: must be a string or an array of strings", where);
    std::vector<std::string> items;
    for (const json& item : value) {
        if (!item.is_string()) fail("{}: must be an array of strings", where);
        items.push_back(item.get<std::string>());
    }
    return items;
}

// Debian suites, each known, none twice, at least one; errors name where.
std::vector<std::string> checked_suites(std::vector<std::string> suites, const std::string& where) {
    if (suites.empty()) fail("{}: names no suite", where);
    for (const std::string& suite : suites) {
        try {
            stage::check_suite(suite);
        } catch (const Error& error) {
            fail("{}: {}", where, error.what());
        }
    }
    std::vector<std::string> unique;
    for (const std::string& suite : suites)
        if (std::find(unique.begin(), unique.end(), suite) == unique.end()) unique.push_back(suite);
    return unique;
}

std::string string_value(const json& value, const std::string& where) {
    if (!value.is_string()) fail("{}: must be a string", where);
    return value.get<std::string>();
}

void read_xbuild_section(const json& section, const std::string& where, PrebuildConfig& config) {
    if (!section.is_object()) fail("{}: must be an object", where);
    for (const auto& [key, value] : section.items()) {
        const std::string at = where + "." + key;
        if (key == "archs") {
            config.archs = string_list(value, at);
        } else if (key == "build-packages") {
            config.build_packages = string_list(value, at);
            stage::check_package_names(config.build_packages, at);
        } else if (key == "test-command") {
            config.test_command = string_value(value, at);
        } else if (key == "test-packages") {
            config.test_packages = string_list(value, at);
            stage::check_package_names(config.test_packages, at);
        } else if (key == "napi-version") {
            if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 100)
                fail("{}: must be a Node-API version number (1, 2, ... 10)", at);
            config.napi_version = value.get<int>();
        } else if (key == "glibc") {
            config.glibc = toolchain::find_floor(string_value(value, at), at).glibc;
            config.glibc_source = "package.json xbuild.glibc";
        } else if (key == "suite") {
            config.suite = string_value(value, at);
            config.suite = checked_suites({config.suite}, at).front();
        } else if (key == "test-suites") {
            config.test_suites = checked_suites(string_list(value, at), at);
        } else if (key == "source-root") {
            config.source_root = string_value(value, at);
            if (config.source_root.empty() || stdfs::path(config.source_root).is_absolute())
                fail("{}: must be a relative path to a directory holding the package (\"../..\")", at);
        } else if (key == "exclude") {
            config.exclude = string_list(value, at);
            for (const std::string& path : config.exclude) {
                bool up = false;
                for (const auto& part : stdfs::path(path)) up = up || part == "..";
                if (path.empty() || stdfs::path(path).is_absolute() || up)
                    fail("{}: '{}' is not a path inside the source root (relative, without '..')", at,
                         text::printable(path));
            }
        } else if (key == "executables") {
            config.executables = string_list(value, at);
            for (const std::string& name : config.executables)
                if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
                    name.ends_with(".node"))
                    fail("{}: '{}' is not the file name of a program in build/Release", at,
                         text::printable(name));
        } else if (key == "cache") {
            if (!value.is_object()) fail("{}: must be an object ({{\"registry\": \"host/repo\"}})", at);
            for (const auto& [name, item] : value.items()) {
                if (name != "registry")
                    fail("{}.{}: unknown key (known: registry)", at, text::printable(name));
                config.cache_registry = string_value(item, at + ".registry");
            }
        } else if (key == "environment") {
            if (!value.is_object()) fail("{}: must be an object of strings", at);
            for (const auto& [name, item] : value.items())
                config.environment.push_back(name + "=" + string_value(item, at + "." + name));
        } else {
            fail(
                "{}: unknown key (known: archs, glibc, build-packages, test-command, test-packages, "
                "napi-version, suite, test-suites, environment, source-root, exclude, executables, cache)",
                at);
        }
    }
}

void apply_environment(PrebuildConfig& config) {
    stage::apply_common_overrides(
        {config.archs, config.build_packages, config.test_command, config.environment});
    if (auto v = env_override::value("XBUILD_GLIBC")) {
        config.glibc = toolchain::find_floor(*v, "XBUILD_GLIBC").glibc;
        config.glibc_source = "XBUILD_GLIBC";
    }
    if (auto v = stage::package_list_override("XBUILD_TEST_PACKAGES")) config.test_packages = *v;
    if (auto v = env_override::list("XBUILD_TEST_SUITES"))
        config.test_suites = checked_suites(*v, "XBUILD_TEST_SUITES");
}

// npm's rules for a package name: lower case, URL-safe, at most 214 characters, "@scope/" allowed.
bool valid_package_name(const std::string& name) {
    static const std::regex pattern(R"(^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$)");
    return name.size() <= 214 && std::regex_match(name, pattern);
}

// node-gyp-build reads every dot-separated part of a prebuild's file name as a possible tag, and
// takes "node", "napi", "abi*", "uv*", "armv*", "glibc" and "musl" as tags: the name part must be
// none of these, and holds no dots.
std::string prebuild_name_for(const std::string& name) {
    std::string base = name.substr(name.find('/') == std::string::npos ? 0 : name.find('/') + 1);
    std::replace(base.begin(), base.end(), '.', '_');
    const bool tag_like = base == "node" || base == "napi" || base == "electron" || base == "glibc" ||
                          base == "musl" || base.starts_with("abi") || base.starts_with("uv") ||
                          base.starts_with("armv") || base == "node-webkit";
    return tag_like ? "addon-" + base : base;
}

}  // namespace

std::vector<std::string> find_abi_unstable_includes(const stdfs::path& dir) {
    static const std::regex include(
        R"(^\s*#\s*include\s*[<"](v8|nan|node|node_api|napi|js_native_api)\.h[>"])");
    static const std::vector<std::string> extensions{".c", ".cc", ".cpp", ".cxx",
                                                     ".h", ".hh", ".hpp", ".hxx"};
    std::vector<std::string> found;
    std::error_code error;
    for (auto it = stdfs::recursive_directory_iterator(dir, error); !error && it != stdfs::end(it);
         it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (it->is_directory() && (name == "node_modules" || name == "build" || name == "prebuilds" ||
                                   name == ".git" || name.starts_with("."))) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file() || std::find(extensions.begin(), extensions.end(),
                                                it->path().extension().string()) == extensions.end())
            continue;
        std::string content;
        try {
            content = fs::read_file(it->path());
        } catch (const Error&) {
            continue;
        }
        std::string header;  // the first of v8.h, nan.h and node.h it includes
        bool node_api = false;
        for (std::string_view line : text::lines(content)) {
            std::match_results<std::string_view::const_iterator> match;
            if (!std::regex_search(line.begin(), line.end(), match, include)) continue;
            const std::string name = match[1].str();
            if (name == "v8" || name == "nan" || name == "node") {
                if (header.empty()) header = name;
            } else {
                node_api = true;
                break;
            }
        }
        if (!header.empty() && !node_api)
            found.push_back(
                fmt::format("{} includes <{}.h>", it->path().lexically_relative(dir).string(), header));
    }
    std::sort(found.begin(), found.end());
    return found;
}

void copy_package_sources(const stdfs::path& from, const stdfs::path& dest) {
    fs::make_dirs(dest);
    for (const auto& entry : stdfs::directory_iterator(from)) {
        const std::string name = entry.path().filename().string();
        if (name == "node_modules" || name == "build" || name == "prebuilds" || name == ".git") continue;
        fs::copy_tree(entry.path(), dest / name);
    }
}

std::vector<stdfs::path> excluded_paths(const NodeProject& project, const stdfs::path& output_dir) {
    std::vector<stdfs::path> paths;
    for (const char* name : {"node_modules", "build", "prebuilds", ".git"})
        paths.push_back(project.dir / name);
    paths.push_back(project.source_root / ".git");
    for (const std::string& path : project.config.exclude) paths.push_back(project.source_root / path);
    paths.push_back(output_dir);
    return paths;
}

NodeProject load_node_project(const stdfs::path& dir, const PrebuildOverrides& overrides) {
    NodeProject project;
    project.dir = dir;
    const stdfs::path package_json = dir / "package.json";
    const std::string where = package_json.string();
    if (!stdfs::is_regular_file(package_json)) fail("{}: no package.json (not a Node package)", dir.string());
    json root;
    try {
        root = json::parse(fs::read_file(package_json));
    } catch (const json::parse_error& error) {
        fail("{}: invalid JSON: {}", where, error.what());
    }
    if (!root.is_object()) fail("{}: must hold a JSON object", where);
    if (!root.contains("name")) fail("{}: no \"name\"", where);
    project.name = string_value(root["name"], where + ": name");
    if (!valid_package_name(project.name))
        fail("{}: name '{}' is not a valid npm package name", where, text::printable(project.name));
    project.version = root.contains("version") ? string_value(root["version"], where + ": version") : "0.0.0";
    project.prebuild_name = prebuild_name_for(project.name);
    // Checked above: [a-z0-9._~-] with an optional "@scope/", never "." or "..".
    project.path_name = project.name;
    if (project.path_name.starts_with("@")) {
        project.path_name.erase(0, 1);
        std::replace(project.path_name.begin(), project.path_name.end(), '/', '+');
    }
    project.config.suite = std::string(stage::k_default_suite);
    if (root.contains("xbuild")) read_xbuild_section(root["xbuild"], where + ": xbuild", project.config);
    project.source_root = dir;
    project.package_path = ".";
    if (!project.config.source_root.empty()) {
        std::error_code error;
        project.source_root = stdfs::canonical(dir / project.config.source_root, error);
        const stdfs::path package = stdfs::canonical(dir, error);
        if (error || !stdfs::is_directory(project.source_root))
            fail("{}: xbuild.source-root: '{}' is not a directory", where,
                 text::printable(project.config.source_root));
        project.package_path = package.lexically_relative(project.source_root);
        if (project.package_path.empty() || *project.package_path.begin() == "..")
            fail("{}: xbuild.source-root: '{}' does not hold the package", where,
                 text::printable(project.config.source_root));
    }

    // node-gyp for binding.gyp; cmake-js for CMakeLists.txt alone, or when the package names
    // cmake-js (a dependency, or its scripts) beside both files.
    const bool gyp = stdfs::exists(dir / "binding.gyp"), cmake = stdfs::exists(dir / "CMakeLists.txt");
    bool names_cmake_js = false;
    for (const char* section : {"dependencies", "devDependencies", "scripts"})
        names_cmake_js = names_cmake_js || (root.contains(section) &&
                                            root[section].dump().find("cmake-js") != std::string::npos);
    if (!gyp && !cmake)
        fail("{}: no binding.gyp or CMakeLists.txt: nothing to build a native addon from", dir.string());
    project.build_system = cmake && (!gyp || names_cmake_js) ? BuildSystem::cmake_js : BuildSystem::node_gyp;
    project.has_lock_file =
        stdfs::exists(dir / "package-lock.json") || stdfs::exists(dir / "npm-shrinkwrap.json");
    project.abi_unstable = find_abi_unstable_includes(dir);

    if (!overrides.archs.empty()) project.config.archs = overrides.archs;
    if (!overrides.glibc.empty()) {
        project.config.glibc = toolchain::find_floor(overrides.glibc, "--glibc").glibc;
        project.config.glibc_source = "--glibc";
    }
    if (!overrides.test_suites.empty())
        project.config.test_suites = checked_suites(overrides.test_suites, "--test-suites");
    apply_environment(project.config);
    return project;
}

std::vector<std::string> test_suites(const PrebuildConfig& config) {
    return config.test_suites.empty() ? std::vector<std::string>{config.suite} : config.test_suites;
}

}  // namespace xbuild::node
