#include "python/cibw_config.hpp"

#include <fnmatch.h>
#include <unistd.h>  // environ

#include <algorithm>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "builder/core/arch.hpp"
#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/toolchain/floor.hpp"
#include "python/requirements.hpp"

namespace xbuild::python::cibw {

namespace {

// How an option's TOML lists and tables become cibuildwheel's string, and how inherit joins two.
enum class Kind { words, quoted, commands, comma, environment, table, scalar };

struct Option {
    std::string_view name;
    Kind kind;
    bool whole_run;  // read once for the run: no _LINUX variable, not in an override
};

constexpr Option k_options[] = {
    {"build", Kind::words, true},
    {"skip", Kind::words, true},
    {"test-skip", Kind::words, true},
    {"enable", Kind::words, true},
    {"archs", Kind::words, false},
    {"build-frontend", Kind::scalar, false},
    {"config-settings", Kind::table, false},
    {"dependency-versions", Kind::scalar, false},
    {"environment", Kind::environment, false},
    {"environment-pass", Kind::words, false},
    {"build-verbosity", Kind::scalar, false},
    {"before-all", Kind::commands, false},
    {"before-build", Kind::commands, false},
    {"repair-wheel-command", Kind::commands, false},
    {"test-command", Kind::commands, false},
    {"before-test", Kind::commands, false},
    {"test-sources", Kind::quoted, false},
    {"test-requires", Kind::quoted, false},
    {"test-extras", Kind::comma, false},
    {"test-groups", Kind::words, false},
    {"test-environment", Kind::environment, false},
    {"test-runtime", Kind::table, false},
    {"container-engine", Kind::scalar, false},
    {"audit-requires", Kind::quoted, false},
    {"audit-command", Kind::commands, false},
    {"xbuild-tools", Kind::quoted, false},
    {"pyodide-version", Kind::scalar, false},
};
constexpr std::string_view k_image_archs[] = {"x86_64",    "i686",        "aarch64", "ppc64le",
                                              "s390x",     "armv7l",      "riscv64", "pypy_x86_64",
                                              "pypy_i686", "pypy_aarch64"};
constexpr std::string_view k_platforms[] = {"linux", "macos", "windows", "ios", "android", "pyodide"};

std::optional<Option> find_option(std::string_view name) {
    for (const Option& option : k_options)
        if (option.name == name) return option;
    for (std::string_view arch : k_image_archs)
        if (name == fmt::format("manylinux-{}-image", arch) ||
            name == fmt::format("musllinux-{}-image", arch))
            return Option{name, Kind::scalar, false};
    return std::nullopt;
}

std::string variable_of(std::string_view option) {
    std::string name = "CIBW_";
    for (char c : option)
        name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    return fmt::format("{}", fmt::join(items, separator));
}

std::string scalar_string(const toml::node& node, const std::string& where) {
    if (auto s = node.value_exact<std::string>()) return *s;
    if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
    if (auto b = node.value_exact<bool>()) return *b ? "true" : "false";
    fail("{}: must be a string", where);
}

std::string table_string(const toml::table& table, Kind kind, const std::string& where) {
    std::vector<std::string> words;
    for (const auto& [key, value] : table) {
        const std::string name(key.str());
        const std::string at = where + "." + name;
        if (kind == Kind::environment) {
            env_override::check_variable_name(name, at);
            words.push_back(name + "=\"" + scalar_string(value, at) + "\"");
        } else if (const toml::array* array = value.as_array()) {
            for (const toml::node& item : *array)
                words.push_back(name + "=" + process::shell_quote(scalar_string(item, at)));
        } else {
            words.push_back(name + "=" + process::shell_quote(scalar_string(value, at)));
        }
    }
    return join(words, " ");
}

std::string setting_string(const toml::node& node, Kind kind, const std::string& where) {
    if (const toml::table* table = node.as_table()) {
        if (kind != Kind::environment && kind != Kind::table) fail("{}: does not take a table", where);
        return table_string(*table, kind, where);
    }
    if (const toml::array* array = node.as_array()) {
        if (kind == Kind::environment || kind == Kind::table || kind == Kind::scalar)
            fail("{}: does not take a list", where);
        std::vector<std::string> items;
        for (const toml::node& item : *array) {
            std::string text = scalar_string(item, where);
            items.push_back(kind == Kind::quoted ? process::shell_quote(text) : text);
        }
        return join(items, kind == Kind::commands ? " && " : kind == Kind::comma ? "," : " ");
    }
    return scalar_string(node, where);
}

// before + after for an "append" rule (the arguments swapped for "prepend").
std::string merged(const std::string& before, const std::string& after, Kind kind, const std::string& where) {
    if (before.empty()) return after;
    if (after.empty()) return before;
    switch (kind) {
        case Kind::commands:
            return before + " && " + after;
        case Kind::comma:
            return before + "," + after;
        case Kind::table: {
            // Keys of after replace those of before.
            std::vector<std::string> words = shell_words(before, where);
            const std::vector<std::string> later = shell_words(after, where);
            std::vector<std::string> out;
            for (const std::string& word : words) {
                const std::string key = word.substr(0, word.find('='));
                if (std::none_of(later.begin(), later.end(),
                                 [&](const std::string& w) { return w.substr(0, w.find('=')) == key; }))
                    out.push_back(process::shell_quote(word));
            }
            for (const std::string& word : later) out.push_back(process::shell_quote(word));
            return join(out, " ");
        }
        case Kind::scalar:
            fail("{}: inherit cannot join two values of this option", where);
        default:
            return before + " " + after;
    }
}

}  // namespace

Config::Config(const toml::table* tool, const std::string& file,
               const std::map<std::string, std::string>& env) {
    Layer base, linux_layer, variables, linux_variables;
    auto read_table = [&](const toml::table& table, const std::string& section, Layer& layer,
                          bool in_override) {
        for (const auto& [key_node, node] : table) {
            const std::string key(key_node.str());
            const std::string where = file + ": " + section + " " + key;
            if (!in_override && section == "[tool.cibuildwheel]" &&
                (key == "overrides" ||
                 std::find(std::begin(k_platforms), std::end(k_platforms), key) != std::end(k_platforms)))
                continue;
            if (in_override && (key == "select" || key == "inherit")) continue;
            if (key == "xbuild-files") {  // a table of its own shape; never used here
                layer.values[key] = {"(table)", where};
                continue;
            }
            auto option = find_option(key);
            if (!option) fail("{}: not a cibuildwheel option", where);
            if (in_override && option->whole_run)
                fail("{}: cannot be set in an override (cibuildwheel reads it once for the whole run)",
                     where);
            layer.values[key] = {setting_string(node, option->kind, where), where};
        }
    };
    if (tool) {
        read_table(*tool, "[tool.cibuildwheel]", base, false);
        if (const toml::node* linux_node = tool->get("linux")) {
            const toml::table* linux_table = linux_node->as_table();
            if (!linux_table) fail("{}: [tool.cibuildwheel] linux: must be a table", file);
            read_table(*linux_table, "[tool.cibuildwheel.linux]", linux_layer, false);
            for (const auto& [key, setting] : linux_layer.values)
                if (find_option(key) && find_option(key)->whole_run)
                    fail("{}: not allowed in a platform table (it is read for every platform)",
                         setting.where);
        }
    }
    m_layers.push_back(std::move(base));
    m_layers.push_back(std::move(linux_layer));
    if (tool) {
        if (const toml::node* overrides = tool->get("overrides")) {
            const toml::array* array = overrides->as_array();
            if (!array) fail("{}: [tool.cibuildwheel] overrides: must be an array of tables ([[...]])", file);
            for (std::size_t i = 0; i < array->size(); ++i) {
                const std::string section = fmt::format("[[tool.cibuildwheel.overrides]] #{}", i + 1);
                const toml::table* table = (*array)[i].as_table();
                if (!table) fail("{}: {}: must be a table", file, section);
                Layer layer;
                const toml::node* select = table->get("select");
                if (!select) fail("{}: {}: has no select", file, section);
                layer.select = setting_string(*select, Kind::words, file + ": " + section + " select");
                if (text::trim(layer.select).empty()) fail("{}: {}: select is empty", file, section);
                read_table(*table, section + " (select = \"" + layer.select + "\")", layer, true);
                if (const toml::node* inherit = table->get("inherit")) {
                    const toml::table* rules = inherit->as_table();
                    const std::string where = file + ": " + section + " inherit";
                    if (!rules) fail("{}: must be a table (inherit.environment = \"append\")", where);
                    for (const auto& [key, rule] : *rules) {
                        const std::string name(key.str()), value = scalar_string(rule, where + "." + name);
                        if (!find_option(name)) fail("{}.{}: not a cibuildwheel option", where, name);
                        if (value != "none" && value != "append" && value != "prepend")
                            fail("{}.{}: '{}' is not none, append or prepend", where, name,
                                 text::printable(value));
                        if (value != "none") layer.inherit[name] = value;
                    }
                }
                m_layers.push_back(std::move(layer));
            }
        }
    }
    for (const auto& [name, value] : env) {
        bool known = false;
        for (const Option& option : k_options) {
            if (name == variable_of(option.name))
                variables.values[std::string(option.name)] = {value, name}, known = true;
            if (!option.whole_run && name == variable_of(option.name) + "_LINUX")
                linux_variables.values[std::string(option.name)] = {value, name}, known = true;
        }
        for (std::string_view arch : k_image_archs)
            for (std::string_view family : {"manylinux", "musllinux"}) {
                const std::string option = fmt::format("{}-{}-image", family, arch);
                if (name == variable_of(option) || name == variable_of(option) + "_LINUX")
                    (name.ends_with("_LINUX") ? linux_variables : variables).values[option] = {value, name},
                                                                  known = true;
            }
        if (!known) note_variable(name, value);
    }
    m_layers.push_back(std::move(variables));
    m_layers.push_back(std::move(linux_variables));
    if (std::all_of(m_layers.begin(), m_layers.end(), [](const Layer& l) { return l.values.empty(); }) &&
        m_notes.empty())
        m_layers.clear();
}

void Config::note_variable(const std::string& name, const std::string& value) {
    // Options of the other platforms: cibuildwheel on Linux does not read them either.
    for (const char* platform : {"_MACOS", "_WINDOWS", "_IOS", "_ANDROID", "_PYODIDE"})
        if (name.ends_with(platform)) return;
    if (name == "CIBW_PLATFORM") {
        if (value != "linux" && value != "auto")
            m_notes.push_back(fmt::format("CIBW_PLATFORM={}: not honoured: xbuild builds Linux wheels",
                                          text::printable(value)));
    } else if (name == "CIBW_OUTPUT_DIR") {
        m_notes.push_back(
            "CIBW_OUTPUT_DIR: not honoured: the wheelhouse is -o/--output (default wheelhouse)");
    } else if (name == "CIBW_ALLOW_EMPTY") {
        m_notes.push_back("CIBW_ALLOW_EMPTY: not honoured: a plan that selects no build id is an error");
    } else if (name == "CIBW_CONFIG_FILE") {
        m_notes.push_back("CIBW_CONFIG_FILE: not honoured: xbuild reads the project's pyproject.toml");
    } else {
        m_notes.push_back(name + ": not honoured: not a cibuildwheel option xbuild knows");
    }
}

Settings Config::resolve(std::string_view build_id) const {
    Settings settings;
    for (const Layer& layer : m_layers) {
        if (!layer.select.empty() && (build_id.empty() || !selector_matches(layer.select, build_id)))
            continue;
        for (const auto& [name, setting] : layer.values) {
            auto rule = layer.inherit.find(name);
            auto before = settings.find(name);
            if (rule == layer.inherit.end() || before == settings.end()) {
                settings[name] = setting;
                continue;
            }
            const Kind kind = find_option(name)->kind;
            const bool append = rule->second == "append";
            before->second.value = append ? merged(before->second.value, setting.value, kind, setting.where)
                                          : merged(setting.value, before->second.value, kind, setting.where);
            before->second.where += " + " + setting.where + " (" + rule->second + ")";
        }
    }
    return settings;
}

std::map<std::string, std::string> environment_variables() {
    std::map<std::string, std::string> variables;
    for (char** entry = environ; entry && *entry; ++entry) {
        std::string_view text(*entry);
        if (!text.starts_with("CIBW_")) continue;
        const auto eq = text.find('=');
        if (eq != std::string_view::npos)
            variables[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
    }
    return variables;
}

namespace {

// Splits text into words; raw keeps each word as written (quotes included).
std::size_t quote_end(std::string_view text, std::size_t i);

// The index of the ')' that closes the "$(" at text[i] (quotes and nested parentheses inside skipped),
// or npos.
std::size_t substitution_end(std::string_view text, std::size_t i) {
    int depth = 0;
    for (std::size_t j = i + 1; j < text.size(); ++j) {
        const char c = text[j];
        if (c == '\\') {
            ++j;
        } else if (c == '\'') {
            if ((j = text.find('\'', j + 1)) == std::string_view::npos) return j;
        } else if (c == '"') {
            if ((j = quote_end(text, j)) == std::string_view::npos) return j;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth == 0) {
            return j;
        }
    }
    return std::string_view::npos;
}

// The index of the '"' that closes the one at text[i] (backslash escapes and "$(...)" inside skipped),
// or npos.
std::size_t quote_end(std::string_view text, std::size_t i) {
    for (std::size_t j = i + 1; j < text.size(); ++j) {
        if (text[j] == '\\') {
            ++j;
        } else if (text[j] == '$' && j + 1 < text.size() && text[j + 1] == '(') {
            if ((j = substitution_end(text, j)) == std::string_view::npos) return j;
        } else if (text[j] == '"') {
            return j;
        }
    }
    return std::string_view::npos;
}

// Splits text into words as a shell does (quotes, backslashes, "$(...)" and `...` kept together); raw
// keeps each word as written, quotes included, for the shell to expand later.
std::vector<std::string> split_words(std::string_view text, const std::string& where, bool raw) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        std::size_t end = i;
        if (c == '\'' || c == '`') {
            end = text.find(c, i + 1);
        } else if (c == '"') {
            end = quote_end(text, i);
        } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '(') {
            end = substitution_end(text, i);
        } else if (c == '\\' && i + 1 < text.size()) {
            if (raw) word += c;
            word += text[++i];
            continue;
        } else {
            word += c;
            continue;
        }
        if (end == std::string_view::npos)
            fail("{}: unterminated {} in '{}'", where,
                 c == '$' ? std::string("$(") : std::string(1, c) + " quote",
                 text::printable(std::string(text)));
        const bool quote = c == '\'' || c == '"';
        word += raw || !quote ? text.substr(i, end - i + 1) : text.substr(i + 1, end - i - 1);
        i = end;
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

}  // namespace

std::vector<std::string> shell_words(std::string_view text, const std::string& where) {
    return split_words(text, where, false);
}

std::vector<std::string> environment_assignments(std::string_view text, const std::string& where) {
    std::vector<std::string> assignments = split_words(text, where, true);
    for (const std::string& assignment : assignments) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || !env_override::is_variable_name(assignment.substr(0, eq)))
            fail("{}: '{}' is not NAME=VALUE", where, text::printable(assignment));
    }
    return assignments;
}

bool selector_matches(std::string_view selector, std::string_view build_id) {
    for (const std::string& pattern : split_words(selector, "select", false)) {
        // {a,b} alternatives, as cibuildwheel's braceexpand: each expanded pattern is tried.
        std::vector<std::string> expanded{pattern};
        for (std::size_t i = 0; i < expanded.size();) {
            const std::string& p = expanded[i];
            const auto open = p.find('{'), close = p.find('}', open == std::string::npos ? 0 : open);
            if (open == std::string::npos || close == std::string::npos) {
                ++i;
                continue;
            }
            const std::string head = p.substr(0, open), tail = p.substr(close + 1);
            const std::string body = p.substr(open + 1, close - open - 1);
            std::vector<std::string> alternatives;
            for (std::string_view alternative : text::split(body, ','))
                alternatives.push_back(head + std::string(alternative) + tail);
            expanded.erase(expanded.begin() + static_cast<std::ptrdiff_t>(i));
            expanded.insert(expanded.end(), alternatives.begin(), alternatives.end());
        }
        for (const std::string& p : expanded)
            if (::fnmatch(p.c_str(), std::string(build_id).c_str(), 0) == 0) return true;
    }
    return false;
}

}  // namespace xbuild::python::cibw
