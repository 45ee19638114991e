#pragma once
// Pushing an image from a blob store to a registry (OCI distribution spec, as docker push does it):
//   1. every config and layer the root reaches: HEAD /v2/<repo>/blobs/<digest>, skipped when present,
//      else POST /v2/<repo>/blobs/uploads/ and one monolithic PUT <Location>?digest=<digest>;
//   2. every child manifest of an index, by digest (PUT /v2/<repo>/manifests/<digest>);
//   3. the root under the tag (PUT /v2/<repo>/manifests/<tag>, Content-Type its media type).
// Each answer's Docker-Content-Digest, when the registry sends one, must be the digest pushed.
//
// Transport: plain HTTP for loopback registries (localhost, 127.0.0.0/8, [::1]: docker's insecure default)
// and with PushOptions::insecure, HTTPS otherwise. Auth: anonymous first; on a 401 the WWW-Authenticate
// challenge decides: Bearer (a token from the realm for the repository's pull,push scope, fetched with the
// credentials when given) or Basic (the credentials). The Authorization header is sent only to the
// registry's own origin, never to an upload URL on another host.
//
// libcurl is loaded at first use (see http.hpp). Errors name what failed, the registry and repository:
// "pushing blob sha256:ab12… to 127.0.0.1:5000/app: HTTP 500: <the registry's message>".
#include <string>
#include <string_view>

#include "builder/core/log.hpp"
#include "image/oci/blob_store.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::oci {

struct PushOptions {
    bool insecure = false;    // plain HTTP to any registry
    std::string credentials;  // "user:password"; "" for anonymous access
};

// Pushes root (an image manifest or an index, with everything it reaches in the store) to reference
// ("host[:port]/repo[:tag]", the tag defaulting to "latest"; a reference with a digest is refused).
// Returns the root's digest.
std::string push(const BlobStore& store, const Descriptor& root, std::string_view reference,
                 const PushOptions& options, const Reporter& reporter);

}  // namespace xbuild::oci
