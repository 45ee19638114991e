#include "python/wheel_scripts.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::python {

namespace {

using text::printable;
using text::trim;

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Python identifiers as importlib.metadata's \w sees them; bytes of UTF-8 sequences count as letters.
bool is_identifier(std::string_view name) {
    auto letter = [](char c) {
        return is_ascii_alnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
    };
    return !name.empty() && !(name.front() >= '0' && name.front() <= '9') &&
           std::all_of(name.begin(), name.end(), letter);
}

bool is_dotted_identifier(std::string_view path) {
    for (;;) {
        size_t dot = path.find('.');
        if (!is_identifier(path.substr(0, dot))) return false;
        if (dot == std::string_view::npos) return true;
        path.remove_prefix(dot + 1);
    }
}

bool is_script_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && std::all_of(name.begin(), name.end(), [](char c) {
        return is_ascii_alnum(c) || c == '.' || c == '_' || c == '+' || c == '-';
    });
}

// "python", "pythonw", "python3", "python3.13": the programs "#!/usr/bin/env ..." may name.
bool is_python_program(std::string_view program) {
    if (!program.starts_with("python")) return false;
    program.remove_prefix(6);
    if (program.ends_with('w')) program.remove_suffix(1);
    if (program.empty() || program == "3") return true;
    if (!program.starts_with("3.") || program.size() == 2) return false;
    return std::all_of(program.begin() + 2, program.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::vector<EntryPoint> parse_script_entry_points(std::string_view text, std::string_view label) {
    std::vector<EntryPoint> out;
    std::map<std::string, size_t, std::less<>> seen;  // name -> line number
    bool in_scripts = false;
    size_t number = 0;
    for (std::string_view raw : text::lines(text)) {
        ++number;
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            std::string_view section = trim(line.substr(1, line.size() - 2));
            in_scripts = section == "console_scripts" || section == "gui_scripts";
            continue;
        }
        if (!in_scripts) continue;
        auto malformed = [&](std::string_view why) {
            fail("{} line {}: {} '{}' (expected name = module:object)", label, number, why, printable(line));
        };
        size_t equals = line.find('=');
        if (equals == std::string_view::npos) malformed("malformed entry point");
        std::string_view name = trim(line.substr(0, equals));
        std::string_view value = trim(line.substr(equals + 1));
        if (size_t bracket = value.find('['); bracket != std::string_view::npos) {
            if (!value.ends_with(']')) malformed("malformed extras in entry point");
            value = trim(value.substr(0, bracket));
        }
        size_t colon = value.find(':');
        std::string_view module = trim(value.substr(0, colon));
        std::string_view object = colon == std::string_view::npos ? "" : trim(value.substr(colon + 1));
        if (!is_script_name(name)) malformed("invalid script name ([A-Za-z0-9._+-]) in entry point");
        if (!is_dotted_identifier(module)) malformed("invalid module in entry point");
        if (colon == std::string_view::npos) malformed("entry point without an object to call");
        if (!is_dotted_identifier(object)) malformed("invalid object in entry point");
        if (auto [at, added] = seen.emplace(name, number); !added)
            fail("{} line {}: script '{}' is defined twice (first on line {})", label, number, name,
                 at->second);
        out.push_back({std::string(name), std::string(module), std::string(object)});
    }
    return out;
}

std::string launcher_script(const EntryPoint& entry, std::string_view interpreter) {
    const std::string_view first = std::string_view(entry.object).substr(0, entry.object.find('.'));
    return fmt::format(
        "#!{}\n"
        "# -*- coding: utf-8 -*-\n"
        "import re\n"
        "import sys\n"
        "from {} import {}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        "    sys.exit({}())\n",
        interpreter, entry.module, first, entry.object);
}

std::optional<std::string> rewrite_shebang(std::string_view script, std::string_view interpreter) {
    const size_t end = script.find('\n');
    std::string_view line = script.substr(0, end);
    const std::string_view rest = end == std::string_view::npos ? "" : script.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    bool python = line.starts_with("#!python");
    if (!python && line.starts_with("#!")) {
        std::string_view command = trim(line.substr(2));
        if (command.starts_with("/usr/bin/env ") || command.starts_with("/usr/bin/env\t")) {
            command = trim(command.substr(12));
            python = is_python_program(command.substr(0, command.find_first_of(" \t")));
        }
    }
    if (!python) return std::nullopt;
    return fmt::format("#!{}\n{}", interpreter, rest);
}

void check_interpreter(std::string_view interpreter) {
    const bool plain = std::none_of(interpreter.begin(), interpreter.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    });
    if (!interpreter.starts_with('/') || !plain)
        fail(
            "invalid interpreter '{}' for scripts (expected an absolute path without spaces, like "
            "/usr/bin/python3.13)",
            printable(interpreter));
}

}  // namespace xbuild::python
