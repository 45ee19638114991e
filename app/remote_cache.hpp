#pragma once
// Inside app/ only: the registry cache (--cache-from, --cache-to, $XBUILD_CACHE_REGISTRY) behind a
// run's stage and result caches (builder/stage/remote_cache.hpp over image/oci's CacheRepository).
#include <memory>

#include "app/session.hpp"
#include "builder/stage/remote_cache.hpp"

namespace xbuild::app {

// The session's registry cache, or nullptr when none is configured: cache_from / cache_to of the
// session, else $XBUILD_CACHE_REGISTRY for both. Credentials as for image pushes (README, Registries).
std::shared_ptr<const stage::RemoteCache> registry_cache(const Session& session, const Reporter& reporter);

}  // namespace xbuild::app
