#include "python/wheel_name.hpp"

#include <algorithm>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::python {

namespace {

constexpr std::string_view k_form =
    "{distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl";

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool only(std::string_view text, std::string_view extra) {
    return std::all_of(text.begin(), text.end(),
                       [&](char c) { return is_alnum(c) || extra.find(c) != std::string_view::npos; });
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        size_t at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + 1);
    }
}

// Runs of the characters in `run` become one `replacement`.
std::string collapse(std::string_view text, std::string_view run, char replacement) {
    std::string out;
    bool in_run = false;
    for (char c : text) {
        bool is_run = run.find(c) != std::string_view::npos;
        if (!is_run)
            out.push_back(c);
        else if (!in_run)
            out.push_back(replacement);
        in_run = is_run;
    }
    return out;
}

void check_tag_set(std::string_view label, std::string_view what, std::string_view set) {
    if (set.empty()) fail("{}: empty {}", label, what);
    for (std::string_view tag : split(set, '.'))
        if (tag.empty() || !only(tag, "_")) fail("{}: invalid {} '{}'", label, what, set);
}

void check(const WheelName& name, std::string_view label) {
    const std::string& dist = name.distribution;
    if (dist.empty()) fail("{}: empty distribution name", label);
    if (!only(dist, "._") || !is_alnum(dist.front()) || !is_alnum(dist.back()))
        fail("{}: invalid distribution name '{}'", label, dist);
    if (name.version.empty()) fail("{}: empty version", label);
    if (!only(name.version, "._+!") || !is_alnum(name.version.front()))
        fail("{}: invalid version '{}'", label, name.version);
    if (!name.build.empty() && (!is_digit(name.build.front()) || !only(name.build, "._")))
        fail("{}: invalid build tag '{}' (it must start with a digit)", label, name.build);
    check_tag_set(label, "python tag", name.python_tag);
    check_tag_set(label, "abi tag", name.abi_tag);
    check_tag_set(label, "platform tag", name.platform_tag);
}

}  // namespace

std::string escape_distribution(std::string_view name) {
    return collapse(name, "-_.", '_');
}

std::string normalize_name(std::string_view name) {
    return text::lower(collapse(name, "-_.", '-'));
}

std::vector<std::string> expanded_tags(const WheelName& name) {
    std::vector<std::string> tags;
    for (std::string_view python : text::split(name.python_tag, '.'))
        for (std::string_view abi : text::split(name.abi_tag, '.'))
            for (std::string_view platform : text::split(name.platform_tag, '.'))
                tags.push_back(fmt::format("{}-{}-{}", python, abi, platform));
    return tags;
}

std::string WheelName::filename() const {
    WheelName escaped = *this;
    escaped.distribution = escape_distribution(distribution);
    std::replace(escaped.version.begin(), escaped.version.end(), '-', '_');
    std::string out = escaped.distribution + "-" + escaped.version;
    if (!build.empty()) out += "-" + build;
    out += "-" + python_tag + "-" + abi_tag + "-" + platform_tag + ".whl";
    check(escaped, out);
    return out;
}

std::vector<std::string> WheelName::tags() const {
    std::vector<std::string> out;
    for (std::string_view python : split(python_tag, '.'))
        for (std::string_view abi : split(abi_tag, '.'))
            for (std::string_view platform : split(platform_tag, '.')) {
                std::string tag = std::string(python) + "-" + std::string(abi) + "-" + std::string(platform);
                if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(std::move(tag));
            }
    return out;
}

WheelName parse_wheel_name(std::string_view filename) {
    std::string_view base = filename.substr(filename.rfind('/') + 1);  // npos + 1 == 0
    constexpr std::string_view suffix = ".whl";
    if (base.size() <= suffix.size() || base.substr(base.size() - suffix.size()) != suffix)
        fail("{}: not a wheel file name (expected {})", filename, k_form);
    std::vector<std::string_view> parts = split(base.substr(0, base.size() - suffix.size()), '-');
    if (parts.size() != 5 && parts.size() != 6)
        fail("{}: not a wheel file name (expected {})", filename, k_form);
    WheelName name;
    name.distribution = parts[0];
    name.version = parts[1];
    if (parts.size() == 6) {
        name.build = parts[2];
        if (name.build.empty()) fail("{}: empty build tag", filename);
    }
    name.python_tag = parts[parts.size() - 3];
    name.abi_tag = parts[parts.size() - 2];
    name.platform_tag = parts[parts.size() - 1];
    check(name, filename);
    return name;
}

}  // namespace xbuild::python
