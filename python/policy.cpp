#include "python/policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/graft.hpp"
#include "builder/stage/recipes.hpp"

namespace xbuild::python {

namespace {

using nlohmann::json;

// PEP 600 fixes these for good.
constexpr std::pair<std::string_view, std::string_view> k_legacy_aliases[] = {
    {"manylinux1", "manylinux_2_5"},
    {"manylinux2010", "manylinux_2_12"},
    {"manylinux2014", "manylinux_2_17"}};

std::string canonical_name(const std::string& policy) {
    for (auto [alias, name] : k_legacy_aliases)
        if (policy == alias) return std::string(name);
    return policy;
}

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> result;
    std::istringstream stream(text);
    for (std::string word; stream >> word;) result.push_back(word);
    return result;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : std::string(separator)) + item;
    return text;
}

// "2.17" -> {2, 17}; nullopt unless every dot-separated part is a number.
std::optional<std::vector<unsigned long>> numbers(std::string_view text) {
    std::vector<unsigned long> parts;
    while (true) {
        std::string_view part = text.substr(0, text.find('.'));
        unsigned long value = 0;
        auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || error != std::errc() || end != part.data() + part.size()) return std::nullopt;
        parts.push_back(value);
        if (part.size() == text.size()) return parts;
        text.remove_prefix(part.size() + 1);
    }
}

// Part by part, missing parts counting as 0: 2.2.5 < 2.14 < 2.34.
int compare(const std::vector<unsigned long>& a, const std::vector<unsigned long>& b) {
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        unsigned long x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

// "LDBL_3.4.7" -> {"LDBL_", "3.4.7"}; "3.4.7" -> {"", "3.4.7"}.
std::pair<std::string_view, std::string_view> split_tag(std::string_view version) {
    auto pos = version.rfind('_');
    if (pos == std::string_view::npos) return {"", version};
    return {version.substr(0, pos + 1), version.substr(pos + 1)};
}

bool version_allowed(const std::string& version, const std::set<std::string>& allowed) {
    if (allowed.count(version)) return true;
    auto [tag, number] = split_tag(version);
    auto wanted = numbers(number);
    if (!wanted) return false;
    for (const std::string& candidate : allowed) {
        auto [candidate_tag, candidate_number] = split_tag(candidate);
        auto have = numbers(candidate_number);
        if (candidate_tag == tag && have && compare(*wanted, *have) <= 0) return true;
    }
    return false;
}

bool is_loader(const std::string& soname) {
    return elf::is_dynamic_loader(soname);
}

// libpython3.so, libpython3.13.so.1.0, libpython3.13t.so, libpython2.7m.so.1.0.
bool is_libpython(std::string_view soname) {
    if (!soname.starts_with("libpython")) return false;
    std::size_t so = soname.find(".so");
    if (so == std::string_view::npos || so == 9 || !std::isdigit(static_cast<unsigned char>(soname[9])))
        return false;
    std::string_view rest = soname.substr(so + 3);
    return rest.empty() || (rest[0] == '.' && numbers(rest.substr(1)).has_value());
}

std::string basename_of(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

struct VersionRequirement {
    std::string full;        // GLIBC_2.14
    std::string name_space;  // GLIBC
    std::string version;     // 2.14
    std::string library;     // libc.so.6
};

// What evaluation needs from one ELF.
struct FileFacts {
    const std::string& name;
    const elf::ElfInfo& info;
    std::vector<VersionRequirement> requirements;  // one per version, loader versions left out
    std::set<std::string> undefined;               // undefined dynamic symbols
};

FileFacts facts_of(const std::string& name, const elf::ElfInfo& info) {
    FileFacts facts{name, info, {}, {}};
    std::set<std::string> seen;
    for (const elf::VersionNeed& need : info.version_needs) {
        if (is_loader(need.file)) continue;
        for (const std::string& full : need.versions) {
            auto underscore = full.find('_');
            if (underscore == std::string::npos || !seen.insert(full).second) continue;
            facts.requirements.push_back(
                {full, full.substr(0, underscore), full.substr(underscore + 1), need.file});
        }
    }
    for (const elf::Symbol& symbol : info.dynamic_symbols)
        if (!symbol.defined) facts.undefined.insert(symbol.name);
    return facts;
}

// "(symbol memcpy@GLIBC_2.34)", "(symbols a@V, b@V, c@V and 4 more)", "(from libc.so.6)".
std::string symbols_needing(const FileFacts& facts, const VersionRequirement& requirement) {
    std::vector<std::string> names;
    for (const elf::Symbol& symbol : facts.info.dynamic_symbols)
        if (!symbol.defined && symbol.version == requirement.full)
            names.push_back(symbol.name + "@" + symbol.version);
    if (names.empty()) return "(from " + requirement.library + ")";
    std::string text = names.size() == 1 ? "(symbol " : "(symbols ";
    for (std::size_t i = 0; i < std::min<std::size_t>(names.size(), 3); ++i)
        text += (i ? ", " : "") + names[i];
    if (names.size() > 3) text += fmt::format(" and {} more", names.size() - 3);
    return text + ")";
}

}  // namespace

PolicySet PolicySet::load(const std::filesystem::path& path) {
    const std::string where = path.string();
    json root;
    try {
        root = json::parse(fs::read_file(path));
    } catch (const json::exception& error) {
        fail("{}: invalid JSON: {}", where, error.what());
    }
    PolicySet set;
    try {
        std::map<std::string, std::size_t> by_glibc;
        std::vector<unsigned long> previous;
        for (const json& entry : root.at("policies")) {
            const std::string glibc = entry.at("glibc").get<std::string>();
            auto version = numbers(glibc);
            if (!version || version->size() != 2)
                fail("{}: policy glibc '{}' is not MAJOR.MINOR", where, glibc);
            if (!previous.empty() && compare(previous, *version) >= 0)
                fail("{}: policies must be listed oldest glibc first ('{}' comes too late)", where, glibc);
            previous = *version;
            Policy policy;
            policy.name = fmt::format("manylinux_{}_{}", (*version)[0], (*version)[1]);
            if (entry.contains("aliases"))
                policy.aliases = entry.at("aliases").get<std::vector<std::string>>();
            by_glibc[glibc] = set.m_policies.size();
            set.m_policies.push_back(std::move(policy));
        }
        const std::size_t count = set.m_policies.size();
        if (count == 0) fail("{}: no policies", where);
        auto index_of = [&](const std::string& glibc, const std::string& what) {
            auto found = by_glibc.find(glibc);
            if (found == by_glibc.end())
                fail("{}: {} names glibc '{}', which is no policy", where, what, glibc);
            return found->second;
        };

        std::vector<std::vector<std::string>> libraries(count);
        for (const auto& [glibc, list] : root.at("libraries").items())
            libraries[index_of(glibc, "libraries")] = words(list.get<std::string>());
        std::set<std::string> allowed;
        for (std::size_t i = 0; i < count; ++i) {
            allowed.insert(libraries[i].begin(), libraries[i].end());
            set.m_policies[i].libraries = allowed;
        }

        for (const json& entry : root.at("forbidden_symbols")) {
            const std::string library = entry.at("library").get<std::string>();
            const std::size_t through =
                entry.contains("through")
                    ? index_of(entry.at("through").get<std::string>(), "forbidden_symbols")
                    : count - 1;
            for (const std::string& symbol : words(entry.at("symbols").get<std::string>()))
                for (std::size_t i = 0; i <= through; ++i)
                    set.m_policies[i].forbidden[library].insert(symbol);
        }

        for (const auto& [arch, glibc] : root.at("architectures").items())
            set.m_first_policy[arch] = index_of(glibc.get<std::string>(), "architectures");
        for (const auto& [arch, namespaces] : root.at("symbol_versions").items()) {
            auto first = set.m_first_policy.find(arch);
            if (first == set.m_first_policy.end())
                fail("{}: symbol_versions has '{}', which 'architectures' does not list", where, arch);
            for (const auto& [name_space, deltas] : namespaces.items()) {
                const std::string what = arch + " " + name_space;
                std::vector<std::vector<std::string>> added(count);
                for (const auto& [glibc, list] : deltas.items()) {
                    std::size_t index = index_of(glibc, what);
                    if (index < first->second)
                        fail("{}: {} adds versions at glibc {}, before the architecture's oldest policy",
                             where, what, glibc);
                    added[index] = words(list.get<std::string>());
                }
                auto& per_policy = set.m_versions[arch][name_space];
                per_policy.resize(count);
                std::set<std::string> running;
                for (std::size_t i = first->second; i < count; ++i) {
                    for (const std::string& version : added[i])
                        if (!running.insert(version).second)
                            fail("{}: {} lists {} twice", where, what, version);
                    per_policy[i] = running;
                }
            }
        }
        for (const auto& [arch, first] : set.m_first_policy)
            if (!set.m_versions.count(arch)) fail("{}: no symbol_versions for '{}'", where, arch);
    } catch (const json::exception& error) {
        fail("{}: {}", where, error.what());
    }
    return set;
}

PolicySet PolicySet::load_default() {
    return load(stage::recipes_dir() / "manylinux-policy.json");
}

const PolicySet::Policy& PolicySet::find(const std::string& name) const {
    std::vector<std::string> known;
    for (const Policy& policy : m_policies) {
        if (policy.name == name || std::count(policy.aliases.begin(), policy.aliases.end(), name))
            return policy;
        known.push_back(policy.name);
    }
    fail("unknown manylinux policy '{}' (known: {})", name, join(known, ", "));
}

std::vector<std::string> PolicySet::names(std::string_view arch) const {
    const std::string uname(arch_from_name(arch).uname);
    auto first = m_first_policy.find(uname);
    if (first == m_first_policy.end()) fail("no manylinux policy covers {}", uname);
    std::vector<std::string> result;
    for (std::size_t i = first->second; i < m_policies.size(); ++i) result.push_back(m_policies[i].name);
    return result;
}

std::vector<std::string> PolicySet::allowed_libraries(const std::string& policy) const {
    const Policy& found = find(policy);
    return {found.libraries.begin(), found.libraries.end()};
}

Evaluation PolicySet::evaluate(std::string_view arch,
                               const std::vector<std::pair<std::string, elf::ElfInfo>>& files) const {
    Evaluation evaluation;
    evaluation.policies = names(arch);
    const Arch& target = arch_from_name(arch);
    evaluation.arch = std::string(target.uname);
    const Versions& versions = m_versions.at(evaluation.arch);
    const std::size_t first = m_first_policy.at(evaluation.arch);

    std::vector<FileFacts> facts;
    for (const auto& [name, info] : files) facts.push_back(facts_of(name, info));
    auto check = [&](const FileFacts& file, std::size_t index) {
        const Policy& policy = m_policies[index];
        std::vector<Violation> found;
        if (file.info.machine != target.elf_machine)
            found.push_back({file.name, fmt::format("is built for e_machine {}, not {} ({})",
                                                    file.info.machine, evaluation.arch, target.elf_machine)});
        for (const std::string& library : file.info.needed)
            if (is_libpython(library)) found.push_back({file.name, library + " must not be linked"});
        for (const VersionRequirement& requirement : file.requirements) {
            auto allowed = versions.find(requirement.name_space);
            if (allowed == versions.end() || version_allowed(requirement.version, allowed->second[index]))
                continue;
            found.push_back(
                {file.name, "needs " + requirement.full + " " + symbols_needing(file, requirement)});
        }
        for (const std::string& library : file.info.needed) {
            auto forbidden = policy.forbidden.find(library);
            if (forbidden == policy.forbidden.end()) continue;
            for (const std::string& symbol : forbidden->second)
                if (file.undefined.count(symbol))
                    found.push_back({file.name, fmt::format("uses {} from {}, which {} forbids", symbol,
                                                            library, policy.name)});
        }
        return found;
    };

    std::optional<std::size_t> chosen;
    for (std::size_t i = first; i < m_policies.size(); ++i) {
        std::vector<Violation>& all = evaluation.violations[m_policies[i].name];
        for (const FileFacts& file : facts) {
            auto found = check(file, i);
            all.insert(all.end(), found.begin(), found.end());
        }
        if (all.empty() && !chosen) chosen = i;
    }

    for (const FileFacts& file : facts) {
        FileReport report{file.name, "", {}, {}};
        std::size_t limit = m_policies.size() - 1;  // when no policy fits: why the newest does not
        for (std::size_t i = first; i < m_policies.size(); ++i) {
            if (!check(file, i).empty()) continue;
            report.policy = m_policies[i].name;
            limit = i > first ? i - 1 : m_policies.size();
            break;
        }
        if (limit < m_policies.size())
            for (const Violation& violation : check(file, limit)) report.limiting.push_back(violation.what);
        std::map<std::string, const VersionRequirement*> newest;
        for (const VersionRequirement& requirement : file.requirements) {
            auto number = numbers(requirement.version);
            if (!versions.count(requirement.name_space) || !number) continue;
            const VersionRequirement*& slot = newest[requirement.name_space];
            if (slot == nullptr || compare(*numbers(slot->version), *number) < 0) slot = &requirement;
        }
        for (const auto& [name_space, requirement] : newest)
            report.newest_versions.push_back(requirement->full);
        evaluation.files.push_back(std::move(report));
    }

    const Policy& libraries_of = m_policies[chosen.value_or(m_policies.size() - 1)];
    std::set<std::string> provided, external;
    for (const FileFacts& file : facts) {
        provided.insert(basename_of(file.name));
        if (!file.info.soname.empty()) provided.insert(file.info.soname);
    }
    for (const FileFacts& file : facts)
        for (const std::string& library : file.info.needed)
            if (!is_loader(library) && !is_libpython(library) && !provided.count(library) &&
                !libraries_of.libraries.count(library))
                external.insert(library);
    evaluation.external_libraries.assign(external.begin(), external.end());

    if (chosen) {
        const Policy& policy = m_policies[*chosen];
        evaluation.policy = policy.name;
        evaluation.platform_tag = policy.name + "_" + evaluation.arch;
        for (const std::string& alias : policy.aliases)
            evaluation.platform_tag += "." + alias + "_" + evaluation.arch;
    } else {
        evaluation.platform_tag = "linux_" + evaluation.arch;
    }
    return evaluation;
}

std::vector<Violation> Evaluation::blockers_for(const std::string& policy) const {
    auto found = violations.find(canonical_name(policy));
    if (found == violations.end())
        fail("unknown manylinux policy '{}' for {} (known: {})", policy, arch, join(policies, ", "));
    return found->second;
}

std::string platform_tag_for(const std::string& policy, std::string_view arch) {
    const std::string uname(arch_from_name(arch).uname);
    const std::string name = canonical_name(policy);
    if (name.empty() || name == "linux") return "linux_" + uname;
    std::string_view rest(name);
    bool valid = rest.starts_with("manylinux_");
    if (valid) {
        rest.remove_prefix(10);
        auto underscore = rest.find('_');
        valid = underscore != std::string_view::npos && numbers(rest.substr(0, underscore)) &&
                numbers(rest.substr(underscore + 1)) && rest.find('.') == std::string_view::npos;
    }
    if (!valid) fail("'{}' is not a manylinux policy (manylinux_2_17, manylinux2014, ...)", policy);
    std::string tag = name + "_" + uname;
    for (auto [alias, canonical] : k_legacy_aliases)
        if (name == canonical) tag += "." + std::string(alias) + "_" + uname;
    return tag;
}

}  // namespace xbuild::python
