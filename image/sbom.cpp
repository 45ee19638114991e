#include "image/sbom.hpp"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::image {

namespace {

using nlohmann::json;
using text::printable;

bool is_alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Percent-encoding of the purl spec: letters, digits, ".-_~" and ':' stay, and whatever of `keep`;
// every other byte of the UTF-8 text is %XX.
std::string percent_encode(std::string_view text, std::string_view keep = {}) {
    std::string out;
    for (char c : text) {
        if (is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':' ||
            keep.find(c) != std::string_view::npos)
            out += c;
        else
            out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    return out;
}

// Letters, digits, '.' and '-' (what an SPDXID may hold), every other byte as '-'.
std::string id_safe(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (!is_alnum(c) && c != '.' && c != '-') c = '-';
    return out;
}

bool is_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t length = c < 0x80           ? 1
                                   : (c >> 5) == 0x6  ? 2
                                   : (c >> 4) == 0xe  ? 3
                                   : (c >> 3) == 0x1e ? 4
                                                      : 0;
        if (length == 0 || i + length > text.size() || (length == 2 && c < 0xc2) || (length == 4 && c > 0xf4))
            return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
        const auto next = static_cast<unsigned char>(text[i + 1 < text.size() ? i + 1 : i]);
        if ((length == 3 && c == 0xe0 && next < 0xa0) || (length == 3 && c == 0xed && next > 0x9f) ||
            (length == 4 && c == 0xf0 && next < 0x90) || (length == 4 && c == 0xf4 && next > 0x8f))
            return false;  // overlong, surrogate or beyond U+10FFFF
        i += length;
    }
    return true;
}

std::string_view kind_name(SbomPackage::Kind kind) {
    switch (kind) {
        case SbomPackage::Kind::deb:
            return "deb";
        case SbomPackage::Kind::pypi:
            return "pypi";
        case SbomPackage::Kind::npm:
            return "npm";
    }
    fail("SBOM: unknown package kind {}", static_cast<int>(kind));
}

// PEP 508 names: letters, digits, '.', '-', '_', starting and ending with a letter or digit.
bool is_python_name(std::string_view name) {
    return !name.empty() && is_alnum(name.front()) && is_alnum(name.back()) &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; });
}

// A license expression as SPDX 2.3 writes it: ids ("MIT", "GPL-2.0+") joined by AND, OR and WITH,
// with parentheses. Anything else (free text such as "BSD License", or a LicenseRef- whose text the
// document would have to hold) is NOASSERTION.
std::string license_expression(const std::string& license) {
    bool operand = true;  // an id or '(' comes next
    int depth = 0;
    for (std::size_t i = 0; i < license.size();) {
        const char c = license[i];
        std::size_t end = i + 1;
        if (c == ' ') {
        } else if (c == '(' || c == ')') {
            if (operand != (c == '(') || (c == ')' && --depth < 0)) return "NOASSERTION";
            if (c == '(') ++depth;
        } else {
            while (end < license.size() && license[end] != ' ' && license[end] != '(' && license[end] != ')')
                ++end;
            const std::string_view token(license.data() + i, end - i);
            const bool is_operator = token == "AND" || token == "OR" || token == "WITH";
            if (is_operator == operand || token.starts_with("LicenseRef-") ||
                token.starts_with("DocumentRef-") || !std::all_of(token.begin(), token.end(), [](char t) {
                    return is_alnum(t) || t == '.' || t == '-' || t == '+';
                }))
                return "NOASSERTION";
            operand = is_operator;
        }
        i = end;
    }
    return operand || depth != 0 ? "NOASSERTION" : license;
}

std::string agent(const std::string& supplier) {
    if (supplier.empty() || supplier == "NOASSERTION") return "NOASSERTION";
    if (supplier.starts_with("Organization: ") || supplier.starts_with("Person: ")) return supplier;
    return "Organization: " + supplier;
}

std::string rfc3339(long long seconds, const std::string& label) {
    if (seconds < 0 || seconds > 253402300799LL)
        fail("{}: the creation time {} is not between 1970 and 9999", label, seconds);
    const time_t t = static_cast<time_t>(seconds);
    struct tm utc {};
    ::gmtime_r(&t, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

// The image's purl: pkg:oci/<last repository part>@<digest>?arch=..&repository_url=..&tag=..
std::string image_purl(const SbomDocument& document) {
    std::string repository = document.image_name.substr(0, document.image_name.find('@'));
    std::string tag;
    if (std::size_t colon = repository.rfind(':');
        colon != std::string::npos && repository.find('/', colon) == std::string::npos) {
        tag = repository.substr(colon + 1);
        repository.resize(colon);
    }
    std::string name = text::lower(repository.substr(repository.rfind('/') + 1));
    std::string arch = document.platform.substr(document.platform.find('/') + 1);
    arch = arch.substr(0, arch.find('/'));
    std::map<std::string, std::string> qualifiers{{"arch", arch}, {"tag", tag}};
    if (repository.find('/') != std::string::npos) qualifiers["repository_url"] = repository;
    std::string purl = "pkg:oci/" + percent_encode(name) + "@" + document.image_digest;
    char separator = '?';
    for (const auto& [key, value] : qualifiers) {
        if (value.empty()) continue;
        purl += separator + key + "=" + percent_encode(value, "/");
        separator = '&';
    }
    return purl;
}

}  // namespace

std::string distro_qualifier(const std::string& distro, const std::string& suite) {
    static const std::map<std::string, std::string> debian_releases{
        {"stretch", "9"}, {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"},
        {"trixie", "13"}, {"forky", "14"},  {"duke", "15"}};
    const std::string name = text::lower(distro.empty() ? "debian" : distro);
    auto release = debian_releases.find(suite);
    if (name == "debian" && release != debian_releases.end()) return name + "-" + release->second;
    return suite.empty() ? name : name + "-" + text::lower(suite);
}

std::string purl_of(const SbomPackage& package, const std::string& distro_qualifier) {
    const std::string label = fmt::format("SBOM package '{}'", printable(package.name));
    if (package.name.empty()) fail("SBOM: a package of type {} has no name", kind_name(package.kind));
    std::string path;
    std::map<std::string, std::string> qualifiers;
    switch (package.kind) {
        case SbomPackage::Kind::deb: {
            const std::string vendor = distro_qualifier.substr(0, distro_qualifier.find('-'));
            path = "deb/" + percent_encode(text::lower(vendor.empty() ? "debian" : vendor)) + "/" +
                   percent_encode(text::lower(package.name));
            qualifiers = {{"arch", package.arch}, {"distro", distro_qualifier}};
            const std::string source = package.source.substr(0, package.source.find(' '));
            if (source != package.name) qualifiers["upstream"] = source;
            break;
        }
        case SbomPackage::Kind::pypi: {
            if (!is_python_name(package.name)) fail("{}: not a Python package name (PEP 508)", label);
            std::string name = text::lower(package.name);
            std::replace(name.begin(), name.end(), '_', '-');
            path = "pypi/" + percent_encode(name);
            break;
        }
        case SbomPackage::Kind::npm: {
            const std::string name = text::lower(package.name);
            const std::size_t slash = name.find('/');
            if (name.starts_with('@')) {
                if (slash == std::string::npos || slash == 1 || slash + 1 == name.size() ||
                    name.find('/', slash + 1) != std::string::npos)
                    fail("{}: a scoped npm name is '@scope/name'", label);
                path = "npm/" + percent_encode(name.substr(0, slash)) + "/" +
                       percent_encode(name.substr(slash + 1));
            } else {
                if (slash != std::string::npos) fail("{}: an npm name without a scope has no '/'", label);
                path = "npm/" + percent_encode(name);
            }
            break;
        }
        default:
            kind_name(package.kind);  // throws
    }
    std::string purl = "pkg:" + path;
    if (!package.version.empty()) purl += "@" + percent_encode(package.version);
    char separator = '?';
    for (const auto& [key, value] : qualifiers) {
        if (value.empty()) continue;
        purl += separator + key + "=" + percent_encode(value, "/");
        separator = '&';
    }
    return purl;
}

std::string spdx_json(const SbomDocument& document) {
    const std::string label =
        fmt::format("SBOM of {} ({})", printable(document.image_name), printable(document.platform));
    if (document.image_name.empty() || document.platform.empty())
        fail("SBOM: the image name or platform is empty");
    for (const std::string* field :
         {&document.image_name, &document.platform, &document.distro, &document.suite, &document.tool})
        if (!is_utf8(*field)) fail("{}: '{}' is not UTF-8", label, printable(*field));
    if (!document.image_digest.empty()) oci::check_digest(document.image_digest, label);
    const std::string distro = distro_qualifier(document.distro, document.suite);

    // Sorted, exact duplicates merged.
    auto key = [](const SbomPackage& p) {
        return std::tie(p.kind, p.name, p.version, p.arch, p.source, p.purl, p.license, p.supplier);
    };
    std::vector<SbomPackage> packages = document.packages;
    std::sort(packages.begin(), packages.end(),
              [&](const auto& a, const auto& b) { return key(a) < key(b); });
    packages.erase(std::unique(packages.begin(), packages.end(),
                               [&](const auto& a, const auto& b) { return key(a) == key(b); }),
                   packages.end());

    json image = {{"SPDXID", "SPDXRef-Image"},
                  {"name", document.image_name},
                  {"downloadLocation", "NOASSERTION"},
                  {"filesAnalyzed", false},
                  {"primaryPackagePurpose", "CONTAINER"},
                  {"licenseConcluded", "NOASSERTION"},
                  {"licenseDeclared", "NOASSERTION"},
                  {"copyrightText", "NOASSERTION"},
                  {"supplier", "NOASSERTION"}};
    if (!document.image_digest.empty()) {
        image["versionInfo"] = document.image_digest;
        image["externalRefs"] = json::array({{{"referenceCategory", "PACKAGE-MANAGER"},
                                              {"referenceType", "purl"},
                                              {"referenceLocator", image_purl(document)}}});
    }
    json entries = json::array({image});
    json relationships = json::array({{{"spdxElementId", "SPDXRef-DOCUMENT"},
                                       {"relationshipType", "DESCRIBES"},
                                       {"relatedSpdxElement", "SPDXRef-Image"}}});
    std::set<std::string> ids;
    for (const SbomPackage& package : packages) {
        for (const std::string* field : {&package.name, &package.version, &package.arch, &package.source,
                                         &package.purl, &package.license, &package.supplier})
            if (!is_utf8(*field))
                fail("{}: package '{}' has a field that is not UTF-8: '{}'", label, printable(package.name),
                     printable(*field));
        const std::string purl = package.purl.empty() ? purl_of(package, distro) : package.purl;
        if (!purl.starts_with("pkg:") || purl.find_first_of(" \t\r\n") != std::string::npos)
            fail("{}: package '{}' has an invalid purl '{}'", label, printable(package.name),
                 printable(purl));
        const std::string kind(kind_name(package.kind));
        std::string digest_input;
        for (const auto& part : {kind, package.name, package.version, package.arch, package.source, purl,
                                 package.license, package.supplier})
            digest_input += part + '\0';
        const std::string id = fmt::format("SPDXRef-{}-{}-{}", kind, id_safe(package.name),
                                           hash::sha256_hex(digest_input).substr(0, 12));
        if (!ids.insert(id).second) fail("{}: two packages have the SPDX id {}", label, id);
        json entry = {{"SPDXID", id},
                      {"name", package.name},
                      {"downloadLocation", "NOASSERTION"},
                      {"filesAnalyzed", false},
                      {"licenseConcluded", "NOASSERTION"},
                      {"licenseDeclared", license_expression(package.license)},
                      {"copyrightText", "NOASSERTION"},
                      {"supplier", agent(package.supplier)},
                      {"externalRefs", json::array({{{"referenceCategory", "PACKAGE-MANAGER"},
                                                     {"referenceType", "purl"},
                                                     {"referenceLocator", purl}}})}};
        if (!package.version.empty()) entry["versionInfo"] = package.version;
        const std::string source = package.source.substr(0, package.source.find(' '));
        if (package.kind == SbomPackage::Kind::deb && !source.empty() && source != package.name)
            entry["sourceInfo"] = "built from the Debian source package " + source;
        entries.push_back(std::move(entry));
        relationships.push_back({{"spdxElementId", "SPDXRef-Image"},
                                 {"relationshipType", "CONTAINS"},
                                 {"relatedSpdxElement", id}});
    }

    json doc = {
        {"spdxVersion", "SPDX-2.3"},
        {"dataLicense", "CC0-1.0"},
        {"SPDXID", "SPDXRef-DOCUMENT"},
        {"name", document.image_name + " " + document.platform},
        {"creationInfo",
         {{"created", rfc3339(document.created, label)},
          {"creators",
           json::array({"Tool: " + (document.tool.empty() ? std::string("xbuild") : document.tool)})}}},
        {"packages", std::move(entries)},
        {"relationships", std::move(relationships)}};
    // The namespace names the content: the same document always gets the same one, another a new one.
    const std::string content = oci::canonical_dump(doc, label);
    doc["documentNamespace"] =
        fmt::format("https://xbuild.invalid/spdx/{}-{}-{}", id_safe(document.image_name),
                    id_safe(document.platform), hash::sha256_hex(content));
    return doc.dump(2) + "\n";
}

}  // namespace xbuild::image
