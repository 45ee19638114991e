#include "compiled/config.hpp"

#include <map>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/stage.hpp"

namespace xbuild::compiled {

namespace stdfs = std::filesystem;

namespace {

constexpr std::pair<std::string_view, BuildSystem> k_systems[] = {{"cmake", BuildSystem::cmake},
                                                                  {"meson", BuildSystem::meson},
                                                                  {"make", BuildSystem::make},
                                                                  {"cargo", BuildSystem::cargo},
                                                                  {"go", BuildSystem::go}};

BuildSystem parse_system(const std::string& name, const std::string& where) {
    for (const auto& [known, system] : k_systems)
        if (known == name) return system;
    fail("{}: unknown build system '{}' (known: cmake, meson, make, cargo, go)", where,
         text::printable(name));
}

std::vector<std::string> install_globs(const toml::node& node, const std::string& where) {
    auto globs = stage::toml_string_list(node, where);
    if (globs.empty()) fail("{}: names nothing to install", where);
    for (const std::string& glob : globs) {
        const stdfs::path path(glob);
        bool up = false;
        for (const auto& part : path) up = up || part == "..";
        if (glob.empty() || path.is_absolute() || up)
            fail("{}: '{}' must be a path relative to the prefix {} without '..'", where,
                 text::printable(glob), k_prefix);
    }
    return globs;
}

std::vector<std::string> environment(const toml::node& node, const std::string& where) {
    const toml::table* table = node.as_table();
    if (table == nullptr) fail("{}: must be a table of strings (env = {{ NAME = \"value\" }})", where);
    std::map<std::string, std::string> sorted;
    for (const auto& [key, value] : *table) {
        const std::string name(key.str());
        env_override::check_variable_name(name, where);
        sorted[name] = stage::toml_string(value, where + "." + name);
    }
    std::vector<std::string> out;
    for (const auto& [name, value] : sorted) out.push_back(name + "=" + value);
    return out;
}

}  // namespace

std::string_view system_name(BuildSystem system) {
    for (const auto& [name, known] : k_systems)
        if (known == system) return name;
    return "?";
}

std::optional<BuildConfig> load_build_config(const stdfs::path& dir) {
    const stdfs::path file = dir / "xbuild.toml";
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        fail("{}:{}: {}", file.string(), error.source().begin.line, error.description());
    }
    const toml::node* node = root.get("build");
    if (node == nullptr) return std::nullopt;
    const toml::table* table = node->as_table();
    if (table == nullptr) fail("{}: [build] must be a table", file.string());
    BuildConfig config;
    config.dir = dir;
    config.file = file.string();
    bool has_system = false;
    for (const auto& [key_node, value] : *table) {
        const std::string key(key_node.str());
        const std::string where = file.string() + ": [build] " + key;
        if (key == "system") {
            config.system = parse_system(stage::toml_string(value, where), where);
            has_system = true;
        } else if (key == "build-packages") {
            config.build_packages = stage::toml_string_list(value, where);
            stage::check_package_names(config.build_packages, where);
        } else if (key == "args") {
            if (!value.is_array()) fail("{}: must be an array of strings (one argument each)", where);
            config.args = stage::toml_string_list(value, where);
        } else if (key == "install") {
            config.install = install_globs(value, where);
        } else if (key == "env") {
            config.environment = environment(value, where);
        } else {
            fail("{}: unknown key (known: system, build-packages, args, install, env)", where);
        }
    }
    if (!has_system)
        fail("{}: [build] needs system = \"cmake\", \"meson\", \"make\", \"cargo\" or \"go\"", file.string());
    return config;
}

}  // namespace xbuild::compiled
