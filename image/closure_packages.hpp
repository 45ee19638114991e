#pragma once
// What an image of a compiled program (base = "cc") adds from its ELF closure: for each library no
// layer has, the Debian package of the image's suite and arch that ships it (the archive's Contents
// index, image/package_index.hpp), preferring the package the program was linked against (one of its
// sysroot's) when several ship the same soname. The base is then made again with those packages, so
// each added library comes with its package's name and version in status.d and the SBOM.
#include <map>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/stage/context.hpp"
#include "image/closure.hpp"

namespace xbuild::image {

// soname -> package for every missing soname of report (interpreters aside). Throws Error naming the
// requester and the soname when no Debian package of suite ships it, or when the index cannot be had.
std::map<std::string, std::string> packages_for_missing(const stage::StageContext& context,
                                                        const std::string& suite, const Arch& arch,
                                                        const ClosureReport& report,
                                                        const std::vector<std::string>& preferred);

// The provider of a soname: the first of providers that is in preferred, else the first; "" for none.
std::string choose_provider(const std::vector<std::string>& providers,
                            const std::vector<std::string>& preferred);

}  // namespace xbuild::image
