#include "python/project.hpp"

#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include <toml++/toml.h>

#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/stage.hpp"
#include "builder/toolchain/floor.hpp"
#include "python/cibw_config.hpp"
#include "python/index_fetch.hpp"
#include "python/wheel_name.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

struct ConfigInputs {
    std::string file;  // pyproject.toml's path
    std::optional<cibw::Config> cibw;
    std::optional<toml::table> xbuild;                       // [tool.xbuild]
    std::map<std::string, std::vector<std::string>> extras;  // [project.optional-dependencies]
    WheelOverrides overrides;
    std::string requires_python, requires_python_where;
};

namespace {

void read_tool_table(const toml::table& tool, const std::string& file, WheelConfig& config) {
    for (const auto& [key_node, node] : tool) {
        std::string key(key_node.str());
        std::string where = file + ": [tool.xbuild] " + key;
        config.sources[key] = where;
        if (key == "archs")
            config.archs = stage::toml_string_list(node, where);
        else if (key == "python")
            config.pythons = stage::toml_string_list(node, where);
        else if (key == "manylinux") {
            config.manylinux = toolchain::find_floor(stage::toml_string(node, where), where).name;
            config.manylinux_source = "[tool.xbuild] manylinux";
        } else if (key == "build-packages") {
            config.build_packages = stage::toml_string_list(node, where);
            stage::check_package_names(config.build_packages, where);
        } else if (key == "test-command")
            config.test_command = stage::toml_string(node, where);
        else if (key == "test-requires") {
            config.test_requires = stage::toml_string_list(node, where);
            stage::check_package_names(config.test_requires, where);
        } else if (key == "before-build")
            config.before_build = stage::toml_string(node, where);
        else if (key == "skip")
            config.skip = stage::toml_string_list(node, where);
        else if (key == "exclude")
            config.exclude = stage::toml_relative_paths(node, where);
        else if (key == "environment") {
            const toml::table* table = node.as_table();
            if (table == nullptr) fail("{}: must be a table of strings", where);
            for (const auto& [name, value] : *table)
                config.environment.push_back(
                    std::string(name.str()) + "=" +
                    stage::toml_string(value, where + "." + std::string(name.str())));
        } else if (key == "requirement-packages") {
            const toml::table* table = node.as_table();
            if (table == nullptr) fail("{}: must be a table of package lists", where);
            for (const auto& [name, value] : *table) {
                const std::string at = where + "." + std::string(name.str());
                config.requirement_packages[std::string(name.str())] = stage::toml_string_list(value, at);
                stage::check_package_names(config.requirement_packages[std::string(name.str())], at);
            }
        } else if (key == "cache") {
            const toml::table* table = node.as_table();
            if (table == nullptr) fail("{}: must be a table (registry = \"host/repo\")", where);
            for (const auto& [name, value] : *table) {
                if (name.str() != "registry")
                    fail("{}.{}: unknown key (known: registry)", where, std::string(name.str()));
                config.cache_registry = stage::toml_string(value, where + ".registry");
            }
        } else if (key == "repair-exclude") {
            config.repair_exclude = stage::toml_string_list(node, where);
        } else if (key == "index-url") {
            config.index_url = stage::toml_string(node, where);
            check_index_url(config.index_url, where);
        } else if (key == "lib-sdir") {
            config.lib_sdir = stage::toml_string(node, where);
        } else if (key == "only-plat") {
            config.only_plat = stage::toml_bool(node, where);
        } else if (key == "wheels" || key == "prebuild" || key == "image") {
            config.sources.erase(key);  // sections of other commands
        } else {
            fail(
                "{}: unknown key (known: archs, python, manylinux, build-packages, test-command, "
                "test-requires, "
                "before-build, environment, skip, exclude, requirement-packages, cache, repair-exclude, "
                "lib-sdir, only-plat, index-url)",
                where);
        }
    }
}

std::string setup_cfg_name(const stdfs::path& dir) {
    std::string text;
    try {
        text = fs::read_file(dir / "setup.cfg");
    } catch (const Error&) {
        return {};
    }
    bool in_metadata = false;
    for (std::string_view line : text::lines(text)) {
        if (!line.empty() && line[0] == '[') in_metadata = line.starts_with("[metadata]");
        if (in_metadata && line.starts_with("name")) {
            auto eq = line.find('=');
            if (eq == std::string_view::npos) continue;
            return std::string(text::trim(line.substr(eq + 1)));
        }
    }
    return {};
}

void check_name(const std::string& name, const std::string& where) {
    if (!is_valid_project_name(name))
        fail(
            "{} '{}' is not a valid Python project name (PEP 508: ASCII letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit)",
            where, text::printable(name));
}

void apply_environment(WheelConfig& config) {
    using env_override::value, env_override::list;
    for (const auto& [key, variable] : std::initializer_list<std::pair<const char*, const char*>>{
             {"archs", "XBUILD_ARCHS"},
             {"python", "XBUILD_PYTHON"},
             {"manylinux", "XBUILD_MANYLINUX"},
             {"build-packages", "XBUILD_BUILD_PACKAGES"},
             {"test-command", "XBUILD_TEST_COMMAND"},
             {"test-requires", "XBUILD_TEST_REQUIRES"},
             {"before-build", "XBUILD_BEFORE_BUILD"},
             {"environment", "XBUILD_ENVIRONMENT"},
             {"skip", "XBUILD_SKIP"}})
        if (value(variable)) config.sources[key] = variable;
    stage::apply_common_overrides(
        {config.archs, config.build_packages, config.test_command, config.environment});
    if (auto v = list("XBUILD_PYTHON")) config.pythons = *v;
    if (auto v = value("XBUILD_MANYLINUX")) {
        config.manylinux = toolchain::find_floor(*v, "XBUILD_MANYLINUX").name;
        config.manylinux_source = "XBUILD_MANYLINUX";
    }
    if (auto v = stage::package_list_override("XBUILD_TEST_REQUIRES")) config.test_requires = *v;
    if (auto v = value("XBUILD_BEFORE_BUILD")) config.before_build = *v;
    if (auto v = list("XBUILD_SKIP")) config.skip = *v;
}

// cibuildwheel's options, [tool.xbuild] over them, the command line, the XBUILD_* variables.
WheelConfig resolve(const ConfigInputs& inputs, std::string_view build_id) {
    WheelConfig config;
    config.requires_python = inputs.requires_python;
    config.requires_python_where = inputs.requires_python_where;
    if (inputs.cibw) {
        cibw::apply(inputs.cibw->resolve(build_id), inputs.extras, config);
        config.notes.insert(config.notes.begin(), inputs.cibw->notes().begin(), inputs.cibw->notes().end());
    }
    const std::map<std::string, std::string> from_cibw = config.sources;
    if (inputs.xbuild) {
        read_tool_table(*inputs.xbuild, inputs.file, config);
        std::vector<std::string> replaced, kept;
        for (const auto& [key, where] : from_cibw)
            (config.sources.at(key) == where ? kept : replaced).push_back(key);
        // [tool.xbuild] test-requires names Debian packages, cibuildwheel's PyPI projects: one of them.
        if (inputs.xbuild->contains("test-requires")) config.test_requirements.clear();
        if (inputs.xbuild->contains("environment")) config.exports.clear();
        if (inputs.cibw)
            config.notes.push_back(fmt::format(
                "{}: both [tool.xbuild] and cibuildwheel's options are set: [tool.xbuild] wins{}{}",
                inputs.file,
                replaced.empty() ? "" : fmt::format(" (over cibuildwheel's {})", fmt::join(replaced, ", ")),
                kept.empty() ? "" : fmt::format("; taken from cibuildwheel: {}", fmt::join(kept, ", "))));
    }
    if (!inputs.overrides.archs.empty())
        config.archs = inputs.overrides.archs, config.sources["archs"] = "--arch";
    if (!inputs.overrides.pythons.empty())
        config.pythons = inputs.overrides.pythons, config.sources["python"] = "--python";
    if (!inputs.overrides.manylinux.empty()) {
        config.manylinux = toolchain::find_floor(inputs.overrides.manylinux, "--manylinux").name;
        config.manylinux_source = config.sources["manylinux"] = "--manylinux";
    }
    apply_environment(config);
    // pip's own variable, then the command line.
    if (auto url = env_override::value("PIP_INDEX_URL"); url && !url->empty()) {
        check_index_url(*url, "PIP_INDEX_URL");
        config.index_url = *url, config.sources["index-url"] = "PIP_INDEX_URL";
    }
    if (!inputs.overrides.index_url.empty()) {
        check_index_url(inputs.overrides.index_url, "--index-url");
        config.index_url = inputs.overrides.index_url, config.sources["index-url"] = "--index-url";
    }
    return config;
}

}  // namespace

bool is_valid_project_name(std::string_view name) {
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (name.empty() || !alnum(name.front()) || !alnum(name.back())) return false;
    for (char c : name)
        if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

PythonProject load_project(const stdfs::path& dir, const WheelOverrides& overrides) {
    PythonProject project;
    project.dir = dir;
    project.origin = dir;
    const stdfs::path pyproject = dir / "pyproject.toml";
    auto inputs = std::make_shared<ConfigInputs>();
    inputs->file = pyproject.string();
    inputs->overrides = overrides;
    const bool has_pyproject = stdfs::exists(pyproject);
    const bool has_setup_py = stdfs::exists(dir / "setup.py");
    if (!has_pyproject && !has_setup_py)
        fail("{}: no pyproject.toml or setup.py (not a Python project)", dir.string());
    // PEP 517's fallback for projects without [build-system].
    project.build_requires = {"setuptools>=40.8.0", "wheel"};
    project.build_backend = "setuptools.build_meta:__legacy__";
    if (has_pyproject) {
        toml::table root;
        try {
            root = toml::parse_file(pyproject.string());
        } catch (const toml::parse_error& error) {
            fail("{}:{}: {}", pyproject.string(), error.source().begin.line, error.description());
        }
        if (const toml::table* build_system = root["build-system"].as_table()) {
            if (const toml::node* requires_node = build_system->get("requires"))
                project.build_requires =
                    stage::toml_string_list(*requires_node, pyproject.string() + ": [build-system] requires");
            if (const toml::node* backend = build_system->get("build-backend"))
                project.build_backend =
                    stage::toml_string(*backend, pyproject.string() + ": [build-system] build-backend");
        } else if (!has_setup_py) {
            fail("{}: no [build-system] table and no setup.py: cannot tell how to build", pyproject.string());
        }
        if (const toml::node* name = root["project"]["name"].node()) {
            project.name = stage::toml_string(*name, pyproject.string() + ": [project] name");
            check_name(project.name, pyproject.string() + ": [project] name");
        }
        if (const toml::node* requires_python = root["project"]["requires-python"].node()) {
            inputs->requires_python_where = pyproject.string() + ": [project] requires-python";
            inputs->requires_python = stage::toml_string(*requires_python, inputs->requires_python_where);
        }
        if (const toml::node* tool = root["tool"]["xbuild"].node()) {
            if (!tool->is_table()) fail("{}: [tool.xbuild] must be a table", pyproject.string());
            inputs->xbuild = *tool->as_table();
        }
        const toml::node* cibw_node = root["tool"]["cibuildwheel"].node();
        if (cibw_node && !cibw_node->is_table())
            fail("{}: [tool.cibuildwheel] must be a table", pyproject.string());
        inputs->cibw.emplace(cibw_node ? cibw_node->as_table() : nullptr, pyproject.string(),
                             cibw::environment_variables());
        if (const toml::table* extras = root["project"]["optional-dependencies"].as_table())
            for (const auto& [extra, list] : *extras)
                inputs->extras[std::string(extra.str())] =
                    stage::toml_string_list(list, pyproject.string() + ": [project.optional-dependencies] " +
                                                      std::string(extra.str()));
    } else {
        inputs->cibw.emplace(nullptr, pyproject.string(), cibw::environment_variables());
    }
    if (inputs->cibw->empty()) inputs->cibw.reset();
    if (project.name.empty()) {
        project.name = setup_cfg_name(dir);
        if (!project.name.empty())
            check_name(project.name, (dir / "setup.cfg").string() + ": [metadata] name");
    }
    if (project.name.empty()) {
        stdfs::path normal = stdfs::absolute(dir).lexically_normal();  // "proj/" keeps an empty filename
        project.name = (normal.has_filename() ? normal : normal.parent_path()).filename().string();
        // An sdist's top directory is the archive's to choose.
        check_name(project.name, dir.string() +
                                     ": the project has no name in pyproject.toml or setup.cfg, and "
                                     "its directory's name");
    }
    project.normalized_name = normalize_name(project.name);
    project.inputs = inputs;
    project.config = resolve(*inputs, "");
    return project;
}

WheelConfig PythonProject::config_for(std::string_view build_id) const {
    return inputs ? resolve(*inputs, build_id) : config;
}

}  // namespace xbuild::python
