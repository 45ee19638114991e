#pragma once
// Inside app/ only: the credentials for a registry, shared by image pushes, index create and the
// registry cache.
#include <string>
#include <string_view>

namespace xbuild::app {

// "user:password" for the registry of reference: $XBUILD_REGISTRY_AUTH, else what `docker login`
// stored ($DOCKER_CONFIG/config.json, ~/.docker/config.json), else what `podman login` stored
// ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json); "" for anonymous access.
std::string registry_credentials(std::string_view reference);

}  // namespace xbuild::app
