// cibuildwheel's settings onto xbuild's WheelConfig: what each option becomes, and the one line
// that names each option xbuild reads but cannot honour.
#include <algorithm>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "builder/core/arch.hpp"
#include "builder/core/env_override.hpp"
#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "builder/toolchain/floor.hpp"
#include "python/cibw_config.hpp"
#include "python/requirements.hpp"

namespace xbuild::python::cibw {

namespace {

// "{package}" is the project here (xbuild builds the project directory it is given).
std::string with_project(const std::string& command) {
    return text::replace_all(command, "{package}", "{project}");
}

std::vector<std::string> archs_of(const Setting& setting, std::vector<std::string>& notes) {
    std::vector<std::string> archs;
    // cibuildwheel's auto: the host's arch and the 32-bit arch it runs natively (i686 on x86_64,
    // armv7l on aarch64).
    const std::string_view host = host_arch().uname;
    const char* native32 = host == "x86_64" ? "i686" : host == "aarch64" ? "armv7l" : nullptr;
    for (const std::string& word : shell_words(setting.value, setting.where)) {
        if (word == "auto64" || word == "native" || word == "auto") archs.emplace_back(host);
        if ((word == "auto" || word == "auto32") && native32) archs.emplace_back(native32);
        if (word == "auto32" && !native32)
            notes.push_back(setting.where +
                            ": auto32: this host runs no 32-bit arch natively; none is built");
        if (word == "all")
            for (const Arch& arch : all_archs()) archs.emplace_back(arch.uname);
        if (word != "auto" && word != "auto64" && word != "auto32" && word != "native" && word != "all")
            archs.push_back(word);
    }
    return archs;
}

// The glibc a manylinux image name stands for ("manylinux2014" → 2.17, "quay.io/pypa/manylinux_2_28_x86_64"
// → 2.28), or "" when it names none.
std::string image_glibc(const std::string& image) {
    static const std::regex modern(R"(manylinux_2_([0-9]+))"), legacy(R"(manylinux(1|2010|2014))");
    std::smatch match;
    if (std::regex_search(image, match, modern)) return "2." + match[1].str();
    if (std::regex_search(image, match, legacy))
        return match[1] == "1" ? "2.5" : match[1] == "2010" ? "2.12" : "2.17";
    return "";
}

// The newest floor an image's glibc allows (the oldest floor when it allows none, with a note).
void apply_images(const Settings& settings, WheelConfig& config) {
    std::string lowest, where;
    for (const auto& [name, setting] : settings) {
        if (name.starts_with("musllinux-")) {
            config.notes.push_back(setting.where +
                                   ": not honoured: xbuild builds manylinux (glibc) wheels only");
            continue;
        }
        if (!name.starts_with("manylinux-") || name.find("pypy") != std::string::npos) continue;
        const std::string glibc = image_glibc(setting.value);
        if (glibc.empty()) {
            config.notes.push_back(
                fmt::format("{}: '{}' names no manylinux policy; not honoured (images are not used)",
                            setting.where, text::printable(setting.value)));
            continue;
        }
        if (lowest.empty() || toolchain::compare_glibc(glibc, lowest) < 0)
            lowest = glibc, where = setting.where;
    }
    if (lowest.empty()) return;
    const toolchain::Floor* chosen = nullptr;
    for (const toolchain::Floor& floor : toolchain::floors())
        if (toolchain::compare_glibc(floor.glibc, lowest) <= 0) chosen = &floor;
    if (!chosen) {
        chosen = &toolchain::floors().front();
        config.notes.push_back(
            fmt::format("{}: images are not used; glibc {} is older than xbuild's oldest floor, so the floor "
                        "is {} (glibc {}); "
                        "the tag still comes from the symbols the wheel uses",
                        where, lowest, chosen->manylinux(), chosen->glibc));
    } else {
        config.notes.push_back(fmt::format("{}: images are not used; glibc {} maps to the floor {}", where,
                                           lowest, chosen->manylinux()));
    }
    config.manylinux = chosen->name;
    config.manylinux_source = where;
    config.sources["manylinux"] = where;
}

// auditwheel's repair command as xbuild's repair options: true when words are "auditwheel repair" with
// only -w {dest_dir}, {wheel}, --exclude/-e, --lib-sdir/-L and --only-plat.
bool read_auditwheel(const std::vector<std::string>& words, WheelConfig& config) {
    if (words.size() < 2 || words[0] != "auditwheel" || words[1] != "repair") return false;
    WheelConfig read;
    for (std::size_t i = 2; i < words.size(); ++i) {
        const std::string& word = words[i];
        auto value = [&](std::string_view flag, std::string_view short_flag, std::string& out) {
            if (word.starts_with(std::string(flag) + "=")) return out = word.substr(flag.size() + 1), true;
            if ((word == flag || (!short_flag.empty() && word == short_flag)) && i + 1 < words.size())
                return out = words[++i], true;
            return false;
        };
        std::string got;
        if (word == "{wheel}" || word == "--only-plat") {
            read.only_plat = read.only_plat || word == "--only-plat";
        } else if (value("--wheel-dir", "-w", got)) {
            if (got != "{dest_dir}") return false;
        } else if (value("--exclude", "-e", got)) {
            read.repair_exclude.push_back(got);
        } else if (value("--lib-sdir", "-L", got)) {
            read.lib_sdir = got;
        } else {
            return false;
        }
    }
    config.repair_exclude = read.repair_exclude;
    config.lib_sdir = read.lib_sdir;
    config.only_plat = read.only_plat;
    return true;
}

void check_relative(const std::string& path, const std::string& where) {
    if (path.empty() || path.front() == '/' || path == ".." || path.starts_with("../") ||
        path.find("/../") != std::string::npos || path.ends_with("/.."))
        fail("{}: '{}' must be a path inside the project, without '..'", where, text::printable(path));
}

}  // namespace

void apply(const Settings& settings, const std::map<std::string, std::vector<std::string>>& extras,
           WheelConfig& config) {
    auto note = [&](const Setting& setting, const std::string& why) {
        config.notes.push_back(setting.where + ": not honoured: " + why);
    };
    std::vector<std::string> extra_requirements;  // test-extras' requirements, after test-requires'
    for (const auto& [name, setting] : settings) {
        const std::string& value = setting.value;
        const std::string& where = setting.where;
        bool used = true;
        if (name == "build")
            config.build = shell_words(value, where);
        else if (name == "skip")
            config.skip = shell_words(value, where);
        else if (name == "test-skip")
            config.test_skip = shell_words(value, where);
        else if (name == "archs")
            config.archs = archs_of(setting, config.notes);
        else if (name == "test-command")
            config.test_command = with_project(value);
        else if (name == "before-build")
            config.before_build = with_project(value);
        else if (name == "before-all")
            config.before_all = with_project(value);
        else if (name == "before-test")
            config.before_test = with_project(value);
        else if (name == "environment")
            config.exports = environment_assignments(value, where);
        else if (name == "test-environment")
            config.test_exports = environment_assignments(value, where);
        else if (name == "environment-pass") {
            for (const std::string& variable : shell_words(value, where)) {
                env_override::check_variable_name(variable, where);
                if (const char* set = std::getenv(variable.c_str()))
                    config.environment.push_back(variable + "=" + set);
            }
        } else if (name == "config-settings") {
            config.config_settings.clear();
            for (const std::string& word : shell_words(value, where)) {
                if (word.find('=') == std::string::npos || word.front() == '=')
                    fail("{}: '{}' is not KEY=VALUE", where, text::printable(word));
                config.config_settings.push_back(word);
            }
        } else if (name == "test-requires") {
            config.test_requirements.clear();
            for (const std::string& word : shell_words(value, where)) {
                try {
                    parse_requirement(word);
                } catch (const Error& error) {
                    fail("{}: {}", where, error.what());
                }
                config.test_requirements.push_back(word);
            }
        } else if (name == "test-extras") {
            for (std::string_view extra : text::split(value, ',')) {
                const std::string wanted(text::trim(extra));
                if (wanted.empty()) continue;
                auto found = extras.find(wanted);
                if (found == extras.end())
                    fail("{}: '{}' is not an extra of [project.optional-dependencies]", where,
                         text::printable(wanted));
                extra_requirements.insert(extra_requirements.end(), found->second.begin(),
                                          found->second.end());
            }
        } else if (name == "test-sources") {
            config.test_sources = shell_words(value, where);
            for (const std::string& path : config.test_sources) check_relative(path, where);
        } else if (name == "repair-wheel-command") {
            if (text::trim(value).empty())
                config.repair = false;
            else if (!read_auditwheel(shell_words(value, where), config))
                config.repair_command = with_project(value);  // run instead of xbuild's repair
        } else if (name == "build-frontend") {
            if (value != "default" && value != "pip")
                note(
                    setting,
                    "'" + text::printable(value) +
                        "': xbuild always builds with pip wheel, no build isolation, in its toolchain stage");
        } else if (name == "enable") {
            if (!text::trim(value).empty())
                note(setting,
                     "'" + text::printable(value) +
                         "': xbuild builds the CPythons Debian ships, no PyPy, GraalPy, free-threaded or "
                         "pre-release interpreters");
        } else if (name == "container-engine") {
            note(setting, "xbuild runs no containers (builds run in its own sandbox)");
        } else if (name == "dependency-versions" || name == "xbuild-tools" || name == "audit-requires") {
            note(setting, "xbuild's build and test tools are Debian's packages, not pinned PyPI releases");
        } else if (name == "build-verbosity") {
            if (value != "0")
                note(setting, "every build's full log is kept in the cache (logs/<project>/<build id>.log)");
        } else if (name == "audit-command") {
            if (!text::trim(value).empty())
                note(setting, "no audit command runs (abi3audit is not available)");
        } else if (name == "test-groups") {
            if (!text::trim(value).empty())
                note(setting, "PEP 735 dependency groups are not read; use test-requires");
        } else if (name == "test-runtime" || name == "pyodide-version" || name == "xbuild-files") {
            if (!text::trim(value).empty() && value != "(table)")
                note(setting, "for iOS, Android and Pyodide builds only");
        } else {
            used = false;  // the images: below
        }
        if (used) config.sources[name] = where;
    }
    config.test_requirements.insert(config.test_requirements.end(), extra_requirements.begin(),
                                    extra_requirements.end());
    apply_images(settings, config);
}

}  // namespace xbuild::python::cibw
