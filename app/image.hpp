#pragma once
// The image use case: a slim multi-arch OCI image of a project's xbuild.toml: the interpreter base,
// the wheels (Python) or node_modules (Node) it installs, the app files; written and/or pushed.
#include <string>
#include <vector>

#include "app/session.hpp"
#include "image/image_build.hpp"

namespace xbuild::app {

struct ImageRequest {
    std::string source = ".";        // project directory (with xbuild.toml)
    std::vector<std::string> archs;  // empty: [image] archs, else the host's
    std::string tag;                 // empty: [image] tag
    std::string output;              // archive; empty: image.tar unless layout or push is given alone
    bool docker_format = false;      // docker-archive instead of oci-archive
    std::string layout;              // also an OCI image layout directory
    bool push = false;               // to the registry the tag names (credentials: README, Registries)
};

struct ImageResult {
    image::ImageResult image;
    image::ImageOutputs outputs;

    std::string json() const { return image::image_json(image, outputs); }
};

ImageResult build_image(const Session& session, const ImageRequest& request);

// `xbuild index create`: merges images pushed per platform (by one machine per arch) into one index
// under target's tag, as `docker buildx imagetools create` does; each platform's SBOM comes along.
// Credentials as for --push ($XBUILD_REGISTRY_AUTH). Returns the index's digest.
struct IndexCreateRequest {
    std::string target;                // "host/repo:tag"
    std::vector<std::string> sources;  // "host/repo:tag-amd64", "host/repo@sha256:…": indexes or manifests
};
std::string create_index(const Session& session, const IndexCreateRequest& request);

}  // namespace xbuild::app
