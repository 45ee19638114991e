#include "image/image_config.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/stage.hpp"
#include "image/oci/reference.hpp"

namespace xbuild::image {

namespace stdfs = std::filesystem;

namespace {

// Argument vectors (entrypoint, cmd) are arrays: splitting a string would guess at quoting.
std::vector<std::string> argv_list(const toml::node& node, const std::string& where) {
    if (!node.is_array()) fail("{}: must be an array of strings (an argument vector)", where);
    return stage::toml_string_list(node, where);
}

std::map<std::string, std::string> string_table(const toml::node& node, const std::string& where) {
    const toml::table* table = node.as_table();
    if (table == nullptr) fail("{}: must be a table of strings", where);
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : *table)
        out[std::string(key.str())] = stage::toml_string(value, where + "." + std::string(key.str()));
    return out;
}

// Runs check (which throws Error on bad input) with where (the file and key) in front of its message.
template <class Check>
void check_at(const std::string& where, Check check) {
    try {
        check();
    } catch (const Error& error) {
        fail("{}: {}", where, error.what());
    }
}

std::vector<FileCopy> file_copies(const toml::node& node, const std::string& where) {
    const toml::array* array = node.as_array();
    if (array == nullptr) fail("{}: must be an array of tables ([[image.files]] with from and to)", where);
    std::vector<FileCopy> copies;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string at = fmt::format("{} #{}", where, i + 1);
        const toml::table* table = (*array)[i].as_table();
        if (table == nullptr) fail("{}: must be a table with from and to", at);
        FileCopy copy;
        for (const auto& [key, value] : *table) {
            const std::string name(key.str());
            if (name == "from")
                copy.from = stage::toml_string(value, at + ".from");
            else if (name == "to")
                copy.to = stage::toml_string(value, at + ".to");
            else
                fail("{}.{}: unknown key (known: from, to)", at, name);
        }
        if (copy.from.empty() || copy.to.empty()) fail("{}: needs from and to", at);
        const stdfs::path from = stdfs::path(copy.from).lexically_normal();
        if (copy.from.front() == '/' || (!from.empty() && *from.begin() == ".."))
            fail("{}.from: '{}' must stay inside the project directory", at, copy.from);
        if (copy.to.front() != '/') fail("{}.to: '{}' must be an absolute image path", at, copy.to);
        for (const auto& part : stdfs::path(copy.to))
            if (part == "..") fail("{}.to: '{}' must not contain '..'", at, copy.to);
        copies.push_back(copy);
    }
    return copies;
}

void read_image_table(const toml::table& image, const std::string& file, ImageConfig& config) {
    for (const auto& [key_node, node] : image) {
        const std::string key(key_node.str());
        const std::string where = file + ": [image] " + key;
        if (key == "tag") {
            config.tag = stage::toml_string(node, where);
        } else if (key == "base") {
            const std::string base = stage::toml_string(node, where);
            bool known = false;
            for (BaseKind kind : {BaseKind::python3, BaseKind::nodejs, BaseKind::cc, BaseKind::static_files})
                if (base == base_name(kind)) {
                    config.base = kind;
                    known = true;
                }
            if (!known)
                fail("{}: unknown base '{}' (known: python3, nodejs, cc, static)", where,
                     text::printable(base));
        } else if (key == "suite") {
            config.suite = stage::toml_string(node, where);
            check_at(where, [&] { stage::check_suite(config.suite); });
        } else if (key == "archs") {
            config.archs = stage::toml_string_list(node, where);
        } else if (key == "packages") {
            config.packages = stage::toml_string_list(node, where);
            for (const std::string& package : config.packages)
                check_at(where, [&] { stage::check_package_name(package); });
        } else if (key == "shell") {
            config.shell = stage::toml_bool(node, where);
        } else if (key == "compile-bytecode") {
            config.compile_bytecode = stage::toml_bool(node, where);
        } else if (key == "wheels") {
            config.wheels = stage::toml_string_list(node, where);
        } else if (key == "node-packages") {
            config.node_packages = stage::toml_string_list(node, where);
        } else if (key == "files") {
            config.files = file_copies(node, file + ": [[image.files]]");
        } else if (key == "entrypoint") {
            config.entrypoint = argv_list(node, where);
        } else if (key == "cmd") {
            config.cmd = argv_list(node, where);
        } else if (key == "env") {
            config.env = string_table(node, where);
            for (const auto& [name, value] : config.env) env_override::check_variable_name(name, where);
        } else if (key == "workdir") {
            config.workdir = stage::toml_string(node, where);
            if (config.workdir.empty() || config.workdir.front() != '/')
                fail("{}: '{}' must be an absolute path", where, config.workdir);
        } else if (key == "user") {
            config.user = stage::toml_string(node, where);
            if (config.user.empty()) fail("{}: must not be empty (use \"0\" for root)", where);
        } else if (key == "labels") {
            config.labels = string_table(node, where);
        } else if (key == "ports") {
            config.ports = stage::toml_string_list(node, where);
        } else {
            fail(
                "{}: unknown key (known: tag, base, suite, archs, packages, shell, wheels, node-packages, "
                "compile-bytecode, files, entrypoint, cmd, env, workdir, user, labels, ports)",
                where);
        }
    }
}

}  // namespace

std::string_view base_name(BaseKind kind) {
    switch (kind) {
        case BaseKind::python3:
            return "python3";
        case BaseKind::nodejs:
            return "nodejs";
        case BaseKind::cc:
            return "cc";
        case BaseKind::static_files:
            return "static";
    }
    return "?";
}

ImageConfig load_image_config(const stdfs::path& dir, const ImageOverrides& overrides) {
    ImageConfig config;
    config.dir = dir;
    config.suite = std::string(stage::k_default_suite);
    const stdfs::path file = dir / "xbuild.toml";
    if (!stdfs::is_regular_file(file)) fail("{}: no xbuild.toml (an image project needs one)", dir.string());
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        fail("{}:{}: {}", file.string(), error.source().begin.line, error.description());
    }
    const toml::table* image = root["image"].as_table();
    if (image == nullptr) fail("{}: no [image] table", file.string());
    read_image_table(*image, file.string(), config);
    if (const toml::node* cache = root.get("cache")) {
        const std::string where = file.string() + ": [cache]";
        const toml::table* table = cache->as_table();
        if (table == nullptr) fail("{}: must be a table (registry = \"host/repo\")", where);
        for (const auto& [name, value] : *table) {
            if (name.str() != "registry")
                fail("{} {}: unknown key (known: registry)", where, text::printable(name.str()));
            config.cache_registry = stage::toml_string(value, where + " registry");
        }
    }
    if (!overrides.tag.empty()) config.tag = overrides.tag;
    if (!overrides.archs.empty()) config.archs = overrides.archs;
    if (const char* archs = std::getenv("XBUILD_ARCHS"); archs && *archs)
        config.archs = text::split_list(archs);
    if (config.tag.empty()) fail("{}: no image tag: give --tag NAME:TAG or [image] tag", file.string());
    try {
        if (!oci::parse_reference(config.tag).digest.empty()) fail("a digest, not a tag");
    } catch (const Error& error) {
        fail("{}: image tag '{}' ({}): {}", file.string(), text::printable(config.tag),
             overrides.tag.empty() ? "[image] tag" : "--tag", error.what());
    }
    return config;
}

}  // namespace xbuild::image
