#include "python/requirements.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "python/python_recipes.hpp"
#include "python/wheel_name.hpp"

namespace xbuild::python {

Requirement parse_requirement(std::string_view text) {
    size_t i = 0;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '-' ||
                               text[i] == '_' || text[i] == '.'))
        ++i;
    if (i == start) fail("invalid requirement '{}': no project name", text);
    Requirement requirement{normalize_name(text.substr(start, i - start)), "", ""};
    size_t semicolon = text.find(';', i);
    std::string_view rest = text.substr(i, semicolon == std::string_view::npos ? text.npos : semicolon - i);
    if (auto extras_end = rest.find(']');
        !rest.empty() && text::trim(rest).starts_with('[') && extras_end != std::string_view::npos)
        rest.remove_prefix(extras_end + 1);
    std::string specifier;
    // "name @ URL" pins nothing the suite could serve.
    if (text::trim(rest).starts_with('@')) rest = {};
    for (char c : rest)
        if (c != '(' && c != ')') specifier += c;
    requirement.specifier = std::string(text::trim(specifier));
    if (semicolon != std::string_view::npos) {
        std::string_view marker = text.substr(semicolon + 1);
        while (!marker.empty() && std::isspace(static_cast<unsigned char>(marker.front())))
            marker.remove_prefix(1);
        while (!marker.empty() && std::isspace(static_cast<unsigned char>(marker.back())))
            marker.remove_suffix(1);
        requirement.marker = marker;
    }
    return requirement;
}

namespace {

// The release segment of a PEP 440 version ("3.13.5" → 3, 13, 5); what follows it is ignored.
std::vector<int> version_parts(const std::string& text) {
    std::vector<int> parts;
    int value = 0;
    bool digits = false;
    for (char c : text) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            value = value * 10 + (c - '0');
            digits = true;
        } else if (c == '.') {
            parts.push_back(value);
            value = 0;
            digits = false;
        } else {
            break;
        }
    }
    if (digits) parts.push_back(value);
    return parts;
}

// PEP 440 comparison of release segments; ".*" after the right side of == and != compares the
// prefix only.
bool version_matches(const std::string& left, const std::string& op, const std::string& right) {
    if ((op == "==" || op == "!=") && right.ends_with(".*")) {
        auto prefix = version_parts(right.substr(0, right.size() - 2));
        auto a = version_parts(left);
        a.resize(std::max(a.size(), prefix.size()));
        bool equal = std::equal(prefix.begin(), prefix.end(), a.begin());
        return op == "==" ? equal : !equal;
    }
    auto a = version_parts(left), b = version_parts(right);
    size_t n = std::max(a.size(), b.size());
    a.resize(n), b.resize(n);
    if (op == "==" || op == "===") return a == b;
    if (op == "!=") return a != b;
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == ">") return a > b;
    if (op == ">=") return a >= b;
    if (op == "~=") {
        auto prefix = version_parts(right);
        if (prefix.size() < 2) return a >= b;
        prefix.pop_back();
        return a >= b && std::equal(prefix.begin(), prefix.end(), a.begin());
    }
    return false;
}

// A small recursive-descent evaluator over tokens of a PEP 508 marker.
class MarkerParser {
  public:
    MarkerParser(std::string_view text, const MarkerEnvironment& env) : m_text(text), m_env(env) {}

    bool parse() {
        bool value = parse_or();
        skip_space();
        if (m_pos != m_text.size()) error("unexpected text");
        return value;
    }

  private:
    [[noreturn]] void error(std::string_view what) const {
        fail("cannot evaluate marker '{}': {} at column {}", m_text, what, m_pos + 1);
    }
    void skip_space() {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
    }
    bool keyword(std::string_view word) {
        skip_space();
        if (m_text.substr(m_pos, word.size()) != word) return false;
        size_t end = m_pos + word.size();
        if (end < m_text.size() &&
            (std::isalnum(static_cast<unsigned char>(m_text[end])) || m_text[end] == '_'))
            return false;
        m_pos = end;
        return true;
    }
    bool parse_or() {
        bool value = parse_and();
        while (keyword("or")) value = parse_and() || value;
        return value;
    }
    bool parse_and() {
        bool value = parse_atom();
        while (keyword("and")) value = parse_atom() && value;
        return value;
    }
    bool parse_atom() {
        skip_space();
        if (m_pos < m_text.size() && m_text[m_pos] == '(') {
            ++m_pos;
            bool value = parse_or();
            skip_space();
            if (m_pos >= m_text.size() || m_text[m_pos] != ')') error("missing ')'");
            ++m_pos;
            return value;
        }
        std::string left = operand();
        std::string op = comparison();
        std::string right = operand();
        return compare(left, op, right);
    }
    std::string operand() {
        skip_space();
        if (m_pos < m_text.size() && (m_text[m_pos] == '"' || m_text[m_pos] == '\'')) {
            char quote = m_text[m_pos++];
            size_t end = m_text.find(quote, m_pos);
            if (end == std::string_view::npos) error("unterminated string");
            std::string value(m_text.substr(m_pos, end - m_pos));
            m_pos = end + 1;
            return value;
        }
        size_t start = m_pos;
        while (m_pos < m_text.size() &&
               (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_'))
            ++m_pos;
        std::string name(m_text.substr(start, m_pos - start));
        if (name == "python_version") return m_env.python_version;
        if (name == "python_full_version") return m_env.python_version + ".0";
        if (name == "platform_machine") return m_env.platform_machine;
        if (name == "sys_platform") return "linux";
        if (name == "os_name") return "posix";
        if (name == "platform_system") return "Linux";
        if (name == "implementation_name") return "cpython";
        if (name == "platform_python_implementation") return "CPython";
        m_pos = start;
        error(name.empty() ? "expected a value" : "unsupported variable '" + name + "'");
    }
    std::string comparison() {
        skip_space();
        for (std::string_view op : {"===", "==", "!=", "<=", ">=", "~=", "<", ">"}) {
            if (m_text.substr(m_pos, op.size()) == op) {
                m_pos += op.size();
                return std::string(op);
            }
        }
        if (keyword("not")) {
            if (!keyword("in")) error("expected 'in' after 'not'");
            return "not in";
        }
        if (keyword("in")) return "in";
        error("expected a comparison");
    }
    static bool is_version(const std::string& text) {
        return !text.empty() && std::isdigit(static_cast<unsigned char>(text[0]));
    }
    bool compare(const std::string& left, const std::string& op, const std::string& right) const {
        if (op == "in") return right.find(left) != std::string::npos;
        if (op == "not in") return right.find(left) == std::string::npos;
        if (is_version(left) && is_version(right)) return version_matches(left, op, right);
        if (op == "==" || op == "===") return left == right;
        if (op == "!=") return left != right;
        fail("cannot evaluate marker '{}': '{}' needs versions on both sides", m_text, op);
    }

    std::string_view m_text;
    const MarkerEnvironment& m_env;
    size_t m_pos = 0;
};

}  // namespace

bool evaluate_marker(std::string_view marker, const MarkerEnvironment& env) {
    if (marker.empty()) return true;
    return MarkerParser(marker, env).parse();
}

namespace {

// The Debian packages a requirement maps to: the project's [tool.xbuild.requirement-packages]
// first, then recipes/python.toml; nullopt when neither names it.
std::optional<std::vector<std::string>> mapped_packages(
    const Requirement& requirement, const std::map<std::string, std::vector<std::string>>& project_map) {
    for (const auto& [name, list] : project_map)
        if (normalize_name(name) == requirement.name) return list;
    const toml::table* table = python_recipes()["requirements"].as_table();
    if (table) {
        if (const toml::array* array = table->get_as<toml::array>(requirement.name)) {
            std::vector<std::string> mapped;
            for (const toml::node& item : *array) mapped.push_back(item.value_or(std::string()));
            return mapped;
        }
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> applicable_requirements(const std::vector<std::string>& requires_list,
                                                 const MarkerEnvironment& env) {
    std::vector<std::string> applicable;
    for (const std::string& text : requires_list)
        if (evaluate_marker(parse_requirement(text).marker, env)) applicable.push_back(text);
    return applicable;
}

std::string debian_upstream_version(std::string_view version) {
    if (auto colon = version.find(':'); colon != std::string_view::npos) version.remove_prefix(colon + 1);
    if (auto dash = version.rfind('-'); dash != std::string_view::npos) version = version.substr(0, dash);
    return std::string(version);
}

void check_requirement_pins(const std::vector<std::string>& requires_list, const MarkerEnvironment& env,
                            const std::map<std::string, std::vector<std::string>>& project_map,
                            const std::map<std::string, std::string>& installed, const std::string& suite,
                            const std::string& pyproject) {
    for (const std::string& text : requires_list) {
        Requirement requirement = parse_requirement(text);
        if (requirement.specifier.empty() || !evaluate_marker(requirement.marker, env)) continue;
        auto mapped = mapped_packages(requirement, project_map);
        if (!mapped || mapped->empty() || (*mapped)[0].empty()) continue;
        std::string package = expand_placeholders((*mapped)[0], env.python_version, "");
        package = package.substr(0, package.find(':'));
        auto found = installed.find(package);
        if (found == installed.end()) continue;
        const std::string upstream = debian_upstream_version(found->second);
        if (python_allows(requirement.specifier, upstream,
                          pyproject + ": [build-system] requires '" + text + "'"))
            continue;
        fail(
            "{}: [build-system] requires '{}', but {} serves {} {} (Debian {} {}) for Python {}; "
            "lower the pin, or leave Python {} out (--python, requires-python)",
            pyproject, text::printable(text), suite, requirement.name, upstream, package, found->second,
            env.python_version, env.python_version);
    }
}

std::vector<std::string> debian_packages_for(
    const std::vector<std::string>& requires_list, const MarkerEnvironment& env,
    std::string_view target_debian_arch, const std::map<std::string, std::vector<std::string>>& project_map,
    const std::string& pyproject, std::string_view what) {
    std::vector<std::string> packages;
    for (const std::string& text : requires_list) {
        Requirement requirement = parse_requirement(text);
        if (!evaluate_marker(requirement.marker, env)) continue;
        auto mapped = mapped_packages(requirement, project_map);
        if (!mapped)
            fail(
                "{}: {} '{}' has no Debian package mapping (PyPI is not used); add it to "
                "[tool.xbuild.requirement-packages], e.g. {} = [\"python3-{}\"]",
                pyproject, what, text, requirement.name, requirement.name);
        for (const std::string& package : *mapped) {
            if (!package.empty())
                packages.push_back(expand_placeholders(package, env.python_version, target_debian_arch));
        }
    }
    std::sort(packages.begin(), packages.end());
    packages.erase(std::unique(packages.begin(), packages.end()), packages.end());
    return packages;
}

bool python_allows(std::string_view requires_python, const std::string& version, const std::string& where) {
    for (std::string_view item : text::split(requires_python, ',')) {
        std::string spec(text::trim(item));
        if (spec.empty()) continue;
        size_t op_end = 0;
        while (op_end < spec.size() && std::string_view("<>=!~").find(spec[op_end]) != std::string_view::npos)
            ++op_end;
        std::string op = spec.substr(0, op_end), right(text::trim(spec.substr(op_end)));
        static const char* const ops[] = {"==", "!=", "<", "<=", ">", ">=", "~=", "==="};
        if (std::find(std::begin(ops), std::end(ops), op) == std::end(ops) || right.empty() ||
            !std::isdigit(static_cast<unsigned char>(right[0])))
            fail("{}: '{}' is not a version specifier (PEP 440: >=3.9, <3.14, !=3.11.*)", where,
                 text::printable(spec));
        if (!version_matches(version, op, right)) return false;
    }
    return true;
}

}  // namespace xbuild::python
