#pragma once
// A compiled program for each arch of an image (the [build] table of xbuild.toml): the toolchain stage
// (the suite's toolchain base, host arch, with a layer of the system's tools: cmake, meson, cargo and
// rustc with the target's Rust standard library, go), the sysroot of the image suite's floor with the
// project's libraries for the target arch, the build (compiled/build.hpp), and the installed files the
// install globs choose, cached as a result under a key of every input.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/file_lock.hpp"
#include "builder/stage/context.hpp"
#include "compiled/config.hpp"

namespace xbuild::compiled {

struct ProgramRequest {
    const BuildConfig& config;
    std::string suite;  // the image's: the sysroot and the image's libraries come from it
    std::vector<const Arch*> archs;
    long long source_date_epoch = 0;
};

struct BuiltProgram {
    const Arch* arch = nullptr;
    std::filesystem::path root;                // the files to install: usr/local/... (a result entry)
    std::vector<std::string> files;            // their image paths, sorted
    std::vector<std::string> linked_packages;  // the sysroot's packages: whose libraries it links
    bool cached = false;
    std::shared_ptr<const fs::FileLock> in_use;
};

// Builds (or takes from the result cache) the program for every arch of request, in order. Throws
// Error for a failed build (the missing dependency named when that is why), an install glob that
// matches nothing, or a suite that is no floor.
std::vector<BuiltProgram> build_programs(const stage::StageContext& context, const ProgramRequest& request);

}  // namespace xbuild::compiled
