#pragma once
// The scripts pip makes when it installs a wheel on Linux: launchers for the console_scripts and
// gui_scripts entry points of <name>.dist-info/entry_points.txt, and the "#!python" shebang of
// <name>.data/scripts files pointed at the image's interpreter.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::python {

// "name = module:object" from [console_scripts] or [gui_scripts].
struct EntryPoint {
    std::string name;    // the script's file name: "pip3.13"
    std::string module;  // "pip._internal.cli.main"
    std::string object;  // "main", or a dotted path into the module: "cli.run"
};

// The [console_scripts] and [gui_scripts] entries of an entry_points.txt (text), in file order;
// other sections are ignored, "[extras]" after the object too. Throws Error "<label> line <n>: ..."
// for a line that is not "name = module:object" (module and object dotted Python identifiers), a
// name that is not a plain file name ([A-Za-z0-9._+-], not "." or ".."), a name given twice, and a
// module-only entry ("name = module"): a script must call something (pip refuses them too).
std::vector<EntryPoint> parse_script_entry_points(std::string_view text, std::string_view label);

// The launcher pip writes for an entry point on Linux (console and GUI scripts alike):
// "#!<interpreter>", then import the object's first name from the module and sys.exit(object()).
std::string launcher_script(const EntryPoint& entry, std::string_view interpreter);

// script (a file of <name>.data/scripts) with its first line replaced by "#!<interpreter>" when it
// is "#!python..." (pip's rule: "#!python", "#!pythonw", "#!python3 -E") or names python through
// env ("#!/usr/bin/env python", pythonw, python3, python3.X); nullopt for any other script.
std::optional<std::string> rewrite_shebang(std::string_view script, std::string_view interpreter);

// Throws Error unless interpreter is usable in a shebang: absolute, without spaces or control
// characters.
void check_interpreter(std::string_view interpreter);

}  // namespace xbuild::python
