#pragma once
// Registry authentication (distribution spec, docker's token flow): parsing WWW-Authenticate challenges,
// the token server's URL and answer, and the Basic credentials header.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::oci {

struct Challenge {
    std::string scheme;                         // lower-case: "bearer", "basic"
    std::map<std::string, std::string> params;  // names lower-case: realm, service, scope, error
};

// Parses a WWW-Authenticate value (RFC 7235): challenges separated by commas, each a scheme followed by
// comma-separated parameters `name=token` or `name="quoted \"string\""`. Throws Error "malformed
// WWW-Authenticate header '<value>': <why>" for what does not parse (one line, quoted printably).
std::vector<Challenge> parse_www_authenticate(std::string_view value);

// The token request for a Bearer challenge: realm?service=<service>&scope=<scope>&scope=..., each value
// percent-encoded. Throws Error when the realm is missing or not an http(s) URL.
std::string token_url(const Challenge& bearer, const std::vector<std::string>& scopes);

// The token in a token server's JSON answer ("token", else "access_token"). Throws Error naming source.
std::string parse_token_response(std::string_view body, std::string_view source);

// "Basic <base64(user:password)>" for credentials "user:password"; throws Error without a ':'.
std::string basic_authorization(std::string_view credentials);

// The "user:password" stored for registry in a docker config file (docker login's ~/.docker/config.json,
// podman's auth.json): "auths" entries keyed by the registry's host[:port], with or without a scheme
// and path ("https://index.docker.io/v1/" for docker.io), holding "auth" (base64 of user:password) or
// "username" and "password". "" when the file or the entry is not there. Throws Error naming the file
// when it is not JSON or the entry is malformed.
std::string docker_config_credentials(const std::filesystem::path& file, std::string_view registry);

// RFC 3986 percent-encoding of everything but the unreserved characters A-Z a-z 0-9 - . _ ~
std::string percent_encode(std::string_view text);

}  // namespace xbuild::oci
