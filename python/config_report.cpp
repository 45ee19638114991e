#include "python/config_report.hpp"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "builder/core/text.hpp"
#include "builder/toolchain/floor.hpp"

namespace xbuild::python {

namespace {

std::string words(const std::vector<std::string>& items, const char* none) {
    return items.empty() ? none : fmt::format("{}", fmt::join(items, " "));
}

struct Key {
    const char* name;
    std::vector<const char*> sources;  // the config.sources entries that set it
    std::function<std::string(const WheelConfig&)> value;
};

const std::vector<Key>& keys() {
    static const std::vector<Key> all = {
        {"archs", {"archs"}, [](const WheelConfig& c) { return words(c.archs, "(the host's)"); }},
        {"python",
         {"python"},
         [](const WheelConfig& c) { return words(c.pythons, "(every one requires-python allows)"); }},
        {"manylinux",
         {"manylinux"},
         [](const WheelConfig& c) {
             return c.manylinux.empty() ? toolchain::default_floor().name : c.manylinux;
         }},
        {"build", {"build"}, [](const WheelConfig& c) { return words(c.build, "*"); }},
        {"skip", {"skip"}, [](const WheelConfig& c) { return words(c.skip, ""); }},
        {"test-skip", {"test-skip"}, [](const WheelConfig& c) { return words(c.test_skip, ""); }},
        {"index-url",
         {"index-url"},
         [](const WheelConfig& c) {
             return c.index_url.empty() ? "(none: Debian's packages)" : c.index_url;
         }},
        {"build-packages",
         {"build-packages"},
         [](const WheelConfig& c) { return words(c.build_packages, ""); }},
        {"before-all", {"before-all"}, [](const WheelConfig& c) { return c.before_all; }},
        {"before-build", {"before-build"}, [](const WheelConfig& c) { return c.before_build; }},
        {"environment",
         {"environment", "environment-pass"},
         [](const WheelConfig& c) {
             std::vector<std::string> all = c.environment;
             all.insert(all.end(), c.exports.begin(), c.exports.end());
             return words(all, "");
         }},
        {"config-settings",
         {"config-settings"},
         [](const WheelConfig& c) { return words(c.config_settings, ""); }},
        {"repair-wheel-command",
         {"repair-wheel-command"},
         [](const WheelConfig& c) {
             return !c.repair_command.empty() ? c.repair_command
                    : c.repair                ? std::string("(xbuild's repair)")
                                              : std::string("(none: not repaired)");
         }},
        {"repair-exclude",
         {"repair-exclude", "repair-wheel-command"},
         [](const WheelConfig& c) { return words(c.repair_exclude, ""); }},
        {"lib-sdir", {"lib-sdir", "repair-wheel-command"}, [](const WheelConfig& c) { return c.lib_sdir; }},
        {"only-plat",
         {"only-plat", "repair-wheel-command"},
         [](const WheelConfig& c) { return std::string(c.only_plat ? "true" : "false"); }},
        {"test-command",
         {"test-command"},
         [](const WheelConfig& c) {
             return c.test_command.empty() ? "(import every top-level module)" : c.test_command;
         }},
        {"test-requires",
         {"test-requires", "test-extras"},
         [](const WheelConfig& c) {
             std::vector<std::string> all = c.test_requires;
             for (const std::string& r : c.test_requirements) all.push_back(r + " (PyPI)");
             return words(all, "");
         }},
        {"test-sources", {"test-sources"}, [](const WheelConfig& c) { return words(c.test_sources, ""); }},
        {"test-environment",
         {"test-environment"},
         [](const WheelConfig& c) { return words(c.test_exports, ""); }},
        {"before-test", {"before-test"}, [](const WheelConfig& c) { return c.before_test; }},
    };
    return all;
}

std::string source_of(const Key& key, const WheelConfig& config) {
    std::vector<std::string> found;
    for (const char* source : key.sources)
        if (auto it = config.sources.find(source); it != config.sources.end()) found.push_back(it->second);
    return found.empty() ? "default" : fmt::format("{}", fmt::join(found, "; "));
}

std::string line(const Key& key, const WheelConfig& config, const char* indent) {
    return fmt::format("{}{:<20} = {:<30}  # {}\n", indent, key.name, text::printable(key.value(config)),
                       source_of(key, config));
}

}  // namespace

std::string format_config(const PythonProject& project, const std::vector<WheelTarget>& targets,
                          const std::vector<WheelConfig>& configs) {
    std::string out = fmt::format("{} ({})\n", project.name, project.dir.string());
    std::vector<std::string> ids;
    for (const WheelTarget& target : targets) ids.push_back(target.build_id());
    out += fmt::format("build ids: {}\n", fmt::join(ids, " "));
    for (const Key& key : keys()) out += line(key, project.config, "");
    std::vector<std::string> notes = project.config.notes;
    for (size_t i = 0; i < targets.size() && i < configs.size(); ++i) {
        std::string changed;
        for (const Key& key : keys())
            if (key.value(configs[i]) != key.value(project.config) ||
                source_of(key, configs[i]) != source_of(key, project.config))
                changed += line(key, configs[i], "  ");
        if (!changed.empty()) out += ids[i] + ":\n" + changed;
        for (const std::string& note : configs[i].notes)
            if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    }
    for (const std::string& note : notes) out += "note: " + note + "\n";
    return out;
}

std::string config_key(const WheelConfig& c) {
    return fmt::format("cibw 3\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n", c.before_all,
                       fmt::join(c.exports, "\n"), fmt::join(c.config_settings, "\n"), c.repair,
                       fmt::join(c.test_sources, "\n"), fmt::join(c.test_exports, "\n"), c.before_test,
                       fmt::join(c.test_requirements, "\n"), fmt::join(c.test_skip, " "),
                       fmt::join(c.repair_exclude, " "), c.lib_sdir, c.only_plat, c.repair_command);
}

}  // namespace xbuild::python
