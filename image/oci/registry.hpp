#pragma once
// Pushing an image from a blob store to a registry (OCI distribution spec, as docker push does it):
//   1. every config and layer the root reaches: HEAD /v2/<repo>/blobs/<digest>, skipped when present,
//      else POST /v2/<repo>/blobs/uploads/ and one monolithic PUT <Location>?digest=<digest>;
//   2. every child manifest of an index, by digest (PUT /v2/<repo>/manifests/<digest>);
//   3. the root under the tag (PUT /v2/<repo>/manifests/<tag>, Content-Type its media type).
// Each answer's Docker-Content-Digest, when the registry sends one, must be the digest pushed.
//
// Transport: HTTPS (the system's CA store, or the file XBUILD_REGISTRY_CA names); for a loopback registry
// (localhost, 127.0.0.0/8, [::1]) as docker does, HTTPS when it answers TLS, else plain HTTP; plain HTTP
// to any registry with PushOptions::insecure. A dropped connection or a 429/500/502/503/504 answer is
// retried (5 attempts, backing off from 0.25 s to 2 s); an upload the registry lost starts over.
// Auth: anonymous first; on a 401 the WWW-Authenticate challenge decides: Bearer (a token from the realm
// for the repository's pull,push scope, fetched with the credentials when given) or Basic (the
// credentials). The Authorization header is sent only to the
// registry's own origin, never to an upload URL on another host.
//
// libcurl is loaded at first use (see http.hpp). Errors name what failed, the registry and repository:
// "pushing blob sha256:ab12… to 127.0.0.1:5000/app: HTTP 500: <the registry's message>".
#include <string>
#include <string_view>
#include <vector>

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

// One image of `index create`: what the registry served for a source reference.
struct SourceImage {
    std::string name;                   // the reference as given, for messages
    std::vector<Descriptor> manifests;  // its index's entries, or its one manifest with its config's platform
};

// The entries of the merged index: every source's platform manifests in the order given, then the
// attestations (SBOMs: platform unknown/unknown, `vnd.docker.reference.digest` naming a manifest) whose
// manifest is among them; attestations of nothing kept are dropped. Throws Error when two sources hold
// the same platform ("<b>: linux/amd64 is in <a> already") or there is no platform manifest at all.
std::vector<Descriptor> merge_index_entries(const std::vector<SourceImage>& sources);

// `xbuild index create TARGET SOURCE...` (as `docker buildx imagetools create`): reads each source (an
// index or a manifest, by tag or digest, each document verified against its digest) from the target's
// registry, merges them (merge_index_entries) into one OCI index and pushes it under the target's tag.
// Sources in another repository are copied into the target's first: blobs by cross-repository mount
// (POST ...?mount=&from=), read and uploaded when the registry does not mount, then the manifests by
// digest. A source on another registry is refused. Returns the index's digest.
std::string create_index(std::string_view target, const std::vector<std::string>& sources,
                         const PushOptions& options, const Reporter& reporter);

}  // namespace xbuild::oci
