#include "image/oci/reference.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::oci {

namespace {

constexpr std::string_view k_docker_hub = "docker.io";
constexpr size_t k_max_name = 255;

bool lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool alnum(char c) {
    return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}
bool digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+
bool valid_path_component(std::string_view part) {
    if (part.empty() || !lower_alnum(part.front()) || !lower_alnum(part.back())) return false;
    for (size_t i = 0; i < part.size();) {
        if (lower_alnum(part[i])) {
            ++i;
            continue;
        }
        size_t end = i;
        while (end < part.size() && !lower_alnum(part[end])) ++end;
        std::string_view separator = part.substr(i, end - i);
        bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
        if (!(separator == "." || separator == "_" || separator == "__" || dashes)) return false;
        i = end;
    }
    return true;
}

// domain := host [':' port]; host := domain-name | IPv4 | '[' IPv6 ']'
bool valid_domain(std::string_view domain) {
    if (domain.starts_with('[')) {
        size_t close = domain.find(']');
        if (close == std::string_view::npos || close < 3) return false;
        std::string_view address = domain.substr(1, close - 1);
        if (!std::all_of(address.begin(), address.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
            }))
            return false;
        std::string_view rest = domain.substr(close + 1);
        return rest.empty() || (rest.front() == ':' && digits(rest.substr(1)));
    }
    size_t colon = domain.find(':');
    if (colon != std::string_view::npos && !digits(domain.substr(colon + 1))) return false;
    std::string_view host = domain.substr(0, colon);
    for (size_t start = 0;;) {
        size_t dot = host.find('.', start);
        std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty() || !alnum(label.front()) || !alnum(label.back()) ||
            !std::all_of(label.begin(), label.end(), [](char c) { return alnum(c) || c == '-'; }))
            return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

}  // namespace

// tag := [\w][\w.-]{0,127}
bool valid_tag(std::string_view tag) {
    auto word = [](char c) { return alnum(c) || c == '_'; };
    return !tag.empty() && tag.size() <= 128 && word(tag.front()) &&
           std::all_of(tag.begin(), tag.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

Reference parse_reference(std::string_view text) {
    auto refuse = [&](std::string_view why) {
        fail("invalid image reference '{}': {}", text::printable(text.substr(0, 300)), why);
    };
    if (text.empty()) refuse("empty");
    Reference ref;
    std::string_view name = text;
    if (size_t at = name.find('@'); at != std::string_view::npos) {
        ref.digest = std::string(name.substr(at + 1));
        if (!is_valid_digest(ref.digest)) refuse("the digest is not sha256: and 64 lowercase hex digits");
        name = name.substr(0, at);
    }
    size_t last_slash = name.rfind('/');
    if (size_t colon = name.rfind(':');
        colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
        ref.tag = std::string(name.substr(colon + 1));
        if (!valid_tag(ref.tag)) refuse("invalid tag (letters, digits, '_', '.', '-'; at most 128)");
        name = name.substr(0, colon);
    }
    if (name.empty()) refuse("no repository name");
    size_t slash = name.find('/');
    std::string_view first = name.substr(0, slash);
    const bool has_registry =
        slash != std::string_view::npos &&
        (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; }) ||
         first.starts_with('['));
    std::string_view remainder = name;
    if (has_registry) {
        if (!valid_domain(first)) refuse("invalid registry host");
        ref.registry = std::string(first);
        remainder = name.substr(slash + 1);
    } else {
        ref.registry = std::string(k_docker_hub);
    }
    if (ref.registry == "index.docker.io") ref.registry = std::string(k_docker_hub);
    if (std::any_of(remainder.begin(), remainder.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        refuse("repository names must be lowercase");
    for (size_t start = 0;;) {
        size_t next = remainder.find('/', start);
        if (!valid_path_component(
                remainder.substr(start, next == std::string_view::npos ? next : next - start)))
            refuse(
                "invalid repository name (lowercase letters and digits separated by '.', '_', '__' or '-')");
        if (next == std::string_view::npos) break;
        start = next + 1;
    }
    ref.repository = std::string(remainder);
    if (ref.registry == k_docker_hub && ref.repository.find('/') == std::string::npos)
        ref.repository = "library/" + ref.repository;
    if (ref.registry.size() + 1 + ref.repository.size() > k_max_name)
        refuse(fmt::format("the name is longer than {} characters", k_max_name));
    return ref;
}

std::string Reference::api_host() const {
    return registry == k_docker_hub ? "registry-1.docker.io" : registry;
}

std::string Reference::host() const {
    if (registry.starts_with('[')) return registry.substr(1, registry.find(']') - 1);
    return registry.substr(0, registry.find(':'));
}

bool Reference::is_loopback() const {
    const std::string name = host();
    in_addr ipv4;
    return name == "localhost" || name == "::1" ||
           (::inet_pton(AF_INET, name.c_str(), &ipv4) == 1 && name.starts_with("127."));
}

std::string Reference::to_string() const {
    std::string text = registry + "/" + repository;
    if (!tag.empty()) text += ":" + tag;
    if (!digest.empty()) text += "@" + digest;
    return text;
}

std::string Reference::familiar() const {
    if (registry != k_docker_hub) return to_string();
    std::string text = repository.starts_with("library/") ? repository.substr(8) : repository;
    if (!tag.empty()) text += ":" + tag;
    if (!digest.empty()) text += "@" + digest;
    return text;
}

}  // namespace xbuild::oci
