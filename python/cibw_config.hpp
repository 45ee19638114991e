#pragma once
// cibuildwheel's configuration as xbuild reads it: [tool.cibuildwheel], [tool.cibuildwheel.linux],
// [[tool.cibuildwheel.overrides]] and the CIBW_* / CIBW_*_LINUX variables, resolved for one build id
// with cibuildwheel's precedence (the table, its linux table, each matching override in order with
// its inherit rule, the variable, the _LINUX variable), then mapped onto a WheelConfig.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "python/project.hpp"

namespace xbuild::python::cibw {

struct Setting {
    std::string value;  // cibuildwheel's string form: lists joined, tables as K=V words
    std::string where;  // "pyproject.toml: [tool.cibuildwheel] test-command", "CIBW_SKIP", ...
};
using Settings = std::map<std::string, Setting>;  // by option name ("test-command"), the set ones only

class Config {
  public:
    // tool: the [tool.cibuildwheel] table (nullptr: none); env: the CIBW_* variables. Throws Error
    // naming the file and key for an unknown option, a value of the wrong type, or a bad override.
    Config(const toml::table* tool, const std::string& file, const std::map<std::string, std::string>& env);
    bool empty() const { return m_layers.empty() && m_notes.empty(); }
    // The settings of build_id ("" : no override applies).
    Settings resolve(std::string_view build_id) const;
    // One line for each CIBW_* variable that is no option xbuild reads (CIBW_OUTPUT_DIR, a misspelt
    // one), saying why it is not honoured; variables of the other platforms (_MACOS, ...) aside.
    const std::vector<std::string>& notes() const { return m_notes; }

  private:
    void note_variable(const std::string& name, const std::string& value);
    struct Layer {
        std::string select;  // an override's selector; "" applies to every build id
        std::map<std::string, Setting> values;
        std::map<std::string, std::string> inherit;  // option → "append" | "prepend"
    };
    std::vector<Layer> m_layers;
    std::vector<std::string> m_notes;
};

// The CIBW_* variables of this process's environment.
std::map<std::string, std::string> environment_variables();

// Shell words: quotes ('...', "...") and backslashes removed ("a 'b c'" → {"a", "b c"}); "$(...)" and
// `...` kept whole. Throws Error naming where for an unterminated quote or substitution.
std::vector<std::string> shell_words(std::string_view text, const std::string& where);
// cibuildwheel's environment syntax ('A=1 B="$A x" PATH=$PATH:/opt/bin'): the assignments as
// written, for the build's shell to expand in order. Throws Error naming where for a word that is
// not NAME=VALUE or an unterminated quote.
std::vector<std::string> environment_assignments(std::string_view text, const std::string& where);

// build-id selectors as cibuildwheel writes them: fnmatch with {a,b} alternatives ("cp3{11,13}-*").
bool selector_matches(std::string_view selector, std::string_view build_id);

// Maps settings onto config (keys they do not set keep config's values) and records where each
// came from in config.sources. Options xbuild cannot honour add one line each to config.notes.
// extras: [project.optional-dependencies], for test-extras. Throws Error naming where on bad input.
void apply(const Settings& settings, const std::map<std::string, std::vector<std::string>>& extras,
           WheelConfig& config);

}  // namespace xbuild::python::cibw
