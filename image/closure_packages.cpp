#include "image/closure_packages.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "image/package_index.hpp"

namespace xbuild::image {

std::string choose_provider(const std::vector<std::string>& providers,
                            const std::vector<std::string>& preferred) {
    for (const std::string& provider : providers)
        if (std::find(preferred.begin(), preferred.end(), provider) != preferred.end()) return provider;
    return providers.empty() ? std::string() : providers.front();
}

std::map<std::string, std::string> packages_for_missing(const stage::StageContext& context,
                                                        const std::string& suite, const Arch& arch,
                                                        const ClosureReport& report,
                                                        const std::vector<std::string>& preferred) {
    const auto sonames = report.missing_sonames();
    std::map<std::string, std::string> chosen;
    if (sonames.empty()) return chosen;
    Providers providers;
    try {
        PackageIndex index(context.cache.dir() / "contents", context.mirror, suite, arch);
        providers = index.providers(sonames);
    } catch (const Error& error) {
        fail("image {}: {} needs {}, and the Debian packages that ship it could not be looked up: {}",
             arch.debian, report.missing.front().file, report.missing.front().soname, error.what());
    }
    for (const MissingLibrary& missing : report.missing) {
        if (missing.interpreter) continue;
        const std::string package = choose_provider(providers[missing.soname], preferred);
        if (package.empty())
            fail(
                "image {}: {} needs {}, which no Debian package of {} ships: install it with the program "
                "([build] install) or link it statically",
                arch.debian, missing.file, missing.soname, suite);
        chosen[missing.soname] = package;
    }
    return chosen;
}

}  // namespace xbuild::image
