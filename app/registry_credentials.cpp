#include "app/registry_credentials.hpp"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "image/oci/auth.hpp"
#include "image/oci/reference.hpp"

namespace xbuild::app {

namespace stdfs = std::filesystem;

std::string registry_credentials(std::string_view reference) {
    if (const char* auth = std::getenv("XBUILD_REGISTRY_AUTH"); auth && *auth) return auth;
    const std::string registry = oci::parse_reference(reference).registry;
    std::vector<stdfs::path> files;
    auto env = [](const char* name) -> std::string {
        const char* value = std::getenv(name);
        return value ? value : "";
    };
    if (!env("DOCKER_CONFIG").empty())
        files.push_back(stdfs::path(env("DOCKER_CONFIG")) / "config.json");
    else if (!env("HOME").empty())
        files.push_back(stdfs::path(env("HOME")) / ".docker/config.json");
    if (!env("REGISTRY_AUTH_FILE").empty())
        files.emplace_back(env("REGISTRY_AUTH_FILE"));
    else if (!env("XDG_RUNTIME_DIR").empty())
        files.push_back(stdfs::path(env("XDG_RUNTIME_DIR")) / "containers/auth.json");
    for (const stdfs::path& file : files)
        if (std::string credentials = oci::docker_config_credentials(file, registry); !credentials.empty())
            return credentials;
    return {};
}

}  // namespace xbuild::app
