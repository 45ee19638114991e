#pragma once
// Image references as docker understands them ("app:1" is docker.io/library/app:1, "localhost:5000/ns/app",
// "ghcr.io/o/r:t", "name@sha256:..."), parsed with the grammar of distribution/reference and normalized
// the same way: a first component with a '.' or ':', "localhost", or an upper-case letter is a registry.
#include <string>
#include <string_view>

namespace xbuild::oci {

struct Reference {
    std::string registry;    // "docker.io", "127.0.0.1:5000", "[::1]:5000", "ghcr.io"
    std::string repository;  // "library/app", "ns/app"
    std::string tag;         // "" when none was given
    std::string digest;      // "sha256:<hex>", "" when none was given

    // The host[:port] to talk to: registry-1.docker.io for docker.io, else the registry.
    std::string api_host() const;
    // The registry's host without the port (and without the brackets of an IPv6 address).
    std::string host() const;
    // True for localhost, 127.0.0.0/8 and [::1]: served over plain HTTP, as docker does by default.
    bool is_loopback() const;
    // "registry/repository[:tag][@digest]", fully qualified.
    std::string to_string() const;
    // As docker prints it: without "docker.io/" and "library/" ("app:1"), else to_string().
    std::string familiar() const;
};

// True for a valid tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool valid_tag(std::string_view tag);

// Throws Error "invalid image reference '<text>': <why>" (one line, the text quoted printably).
Reference parse_reference(std::string_view text);

}  // namespace xbuild::oci
