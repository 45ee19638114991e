#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "python/wheel_scripts.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
using xbuild::test::contains;

namespace {

const std::string k_label = "w.whl: pkg-1.0.dist-info/entry_points.txt";

std::vector<std::string> describe(const std::vector<EntryPoint>& entries) {
    std::vector<std::string> out;
    for (const EntryPoint& entry : entries)
        out.push_back(entry.name + "=" + entry.module + ":" + entry.object);
    return out;
}

std::string parse_error(const std::string& text) {
    try {
        parse_script_entry_points(text, k_label);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("wheel_scripts") {
    TEST_CASE("console and GUI scripts in file order; other sections, comments, extras ignored") {
        const std::string text =
            "# generated\n"
            "[console_scripts]\n"
            "pip = pip._internal.cli.main:main\n"
            "pip3.13=pip._internal.cli.main:main\n"
            "; a comment\n"
            "\n"
            "[pkg.plugins]\n"
            "not-a-script = what ever\n"
            "[ gui_scripts ]\r\n"
            "  pkg-gui  =  pkg.gui : App.run  [gui, extra]\r\n"
            "[console_scripts]\n"
            "Tool_2+x = _pkg.__main__:_run\n";
        CHECK(describe(parse_script_entry_points(text, k_label)) ==
              std::vector<std::string>{"pip=pip._internal.cli.main:main",
                                       "pip3.13=pip._internal.cli.main:main", "pkg-gui=pkg.gui:App.run",
                                       "Tool_2+x=_pkg.__main__:_run"});
        CHECK(parse_script_entry_points("[pkg.plugins]\nx = y\n", k_label).empty());
        CHECK(parse_script_entry_points("", k_label).empty());
    }

    TEST_CASE("malformed entries are refused, naming the file, the line and the entry") {
        CHECK(parse_error("[console_scripts]\nok = a:b\nbroken line\n") ==
              k_label + " line 3: malformed entry point 'broken line' (expected name = module:object)");
        CHECK(parse_error("[console_scripts]\nmod-only = pkg.cli\n") ==
              k_label +
                  " line 2: entry point without an object to call 'mod-only = pkg.cli' (expected name = "
                  "module:object)");
        CHECK(parse_error("[gui_scripts]\n../evil = a:b\n") ==
              k_label +
                  " line 2: invalid script name ([A-Za-z0-9._+-]) in entry point '../evil = a:b' (expected "
                  "name = module:object)");
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nbin/x = a:b\n", k_label),
                             contains("line 2: invalid script name"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\n.. = a:b\n", k_label),
                             contains("line 2: invalid script name"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\n = a:b\n", k_label),
                             contains("line 2: invalid script name"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nx = a-b:c\n", k_label),
                             contains("line 2: invalid module"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nx = a..b:c\n", k_label),
                             contains("line 2: invalid module"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nx = a:b;import os\n", k_label),
                             contains("line 2: invalid object"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nx = a:1b\n", k_label),
                             contains("line 2: invalid object"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nx = a:\n", k_label),
                             contains("line 2: invalid object"), Error);
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nx = a:b [extra\n", k_label),
                             contains("line 2: malformed extras"), Error);
        CHECK(parse_error("[console_scripts]\nx = a:b\n[gui_scripts]\nx = c:d\n") ==
              k_label + " line 4: script 'x' is defined twice (first on line 2)");
        CHECK_THROWS_WITH_AS(parse_script_entry_points("[console_scripts]\nx = a\x01:b\n", k_label),
                             contains("'x = a\\x01:b'"), Error);
    }

    TEST_CASE("launcher_script is pip's launcher with the image's interpreter") {
        CHECK(launcher_script({"pip", "pip._internal.cli.main", "main"}, "/usr/bin/python3.13") ==
              "#!/usr/bin/python3.13\n"
              "# -*- coding: utf-8 -*-\n"
              "import re\n"
              "import sys\n"
              "from pip._internal.cli.main import main\n"
              "if __name__ == '__main__':\n"
              "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
              "    sys.exit(main())\n");
        const std::string dotted = launcher_script({"gui", "pkg.gui", "App.run"}, "/opt/py/bin/python3");
        CHECK(dotted.starts_with("#!/opt/py/bin/python3\n"));
        CHECK(dotted.find("from pkg.gui import App\n") != std::string::npos);
        CHECK(dotted.find("    sys.exit(App.run())\n") != std::string::npos);
    }

    TEST_CASE("rewrite_shebang: #!python and env python lines become the interpreter, others stay") {
        const std::string py = "/usr/bin/python3.13";
        CHECK(rewrite_shebang("#!python\nimport x\n", py) == "#!/usr/bin/python3.13\nimport x\n");
        CHECK(rewrite_shebang("#!pythonw\nimport x\n", py) == "#!/usr/bin/python3.13\nimport x\n");
        CHECK(rewrite_shebang("#!python3 -E\r\nimport x\r\n", py) == "#!/usr/bin/python3.13\nimport x\r\n");
        CHECK(rewrite_shebang("#!python", py) == "#!/usr/bin/python3.13\n");
        CHECK(rewrite_shebang("#!/usr/bin/env python\nx\n", py) == "#!/usr/bin/python3.13\nx\n");
        CHECK(rewrite_shebang("#! /usr/bin/env  python3\nx\n", py) == "#!/usr/bin/python3.13\nx\n");
        CHECK(rewrite_shebang("#!/usr/bin/env python3.11\nx\n", py) == "#!/usr/bin/python3.13\nx\n");
        CHECK(rewrite_shebang("#!/usr/bin/env pythonw\nx\n", py) == "#!/usr/bin/python3.13\nx\n");
        CHECK(rewrite_shebang("#!/usr/bin/env python2\nx\n", py) == std::nullopt);
        CHECK(rewrite_shebang("#!/usr/bin/env python3.\nx\n", py) == std::nullopt);
        CHECK(rewrite_shebang("#!/usr/bin/env pythonista\nx\n", py) == std::nullopt);
        CHECK(rewrite_shebang("#!/usr/bin/envpython\nx\n", py) == std::nullopt);
        CHECK(rewrite_shebang("#!/bin/sh\npython\n", py) == std::nullopt);
        CHECK(rewrite_shebang("#!/usr/bin/python3\nx\n", py) == std::nullopt);
        CHECK(rewrite_shebang("import x\n#!python\n", py) == std::nullopt);
        CHECK(rewrite_shebang("", py) == std::nullopt);
    }

    TEST_CASE("check_interpreter wants an absolute path usable in a shebang") {
        CHECK_NOTHROW(check_interpreter("/usr/bin/python3.13"));
        CHECK_THROWS_WITH_AS(check_interpreter("python3"), contains("invalid interpreter 'python3'"), Error);
        CHECK_THROWS_WITH_AS(check_interpreter("/usr/bin/python3 -E"), contains("invalid interpreter"),
                             Error);
        CHECK_THROWS_WITH_AS(check_interpreter("/usr/bin/python3\n"), contains("'/usr/bin/python3\\x0a'"),
                             Error);
        CHECK_THROWS_AS(check_interpreter(""), Error);
    }
}
