#pragma once
// The checks of a built .node file before it becomes a prebuild: the target's machine and class,
// no Node library linked (Debian's node-gyp links -lnode; such a file loads in no other Node), every
// needed library either a system one (recipes/node.toml [system]) or grafted beside it from the
// target stage, without --abi a Node-API addon by its undefined symbols (node/abi_symbols.hpp), the
// glibc floor computed from the symbol versions, optionally stripped.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/artifact_file.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/graft.hpp"
#include "builder/elf/resolver.hpp"

namespace xbuild::node {

struct CheckedPrebuild {
    fs::TempDir work;  // holds the patched and grafted files
    // The .node file (named file_name) first, then the executables, then the grafts.
    std::vector<ArtifactFile> files;
    std::vector<elf::GraftedLibrary> grafted;
    std::string glibc_floor;     // "2.17": the newest GLIBC_ version any of the files needs ("" if none)
    std::string newest_glibcxx;  // "GLIBCXX_3.4.29": the newest libstdc++ version needed ("" if none)
};

struct CheckOptions {
    std::string label;      // "prebuilds/linux-arm64/name.napi.glibc.node" for messages
    std::string file_name;  // the prebuild's file name
    bool strip = false;
    std::filesystem::path work_dir;  // where CheckedPrebuild::work is made; default: the system's temp dir
    bool abi = false;                // --abi: the file may use V8, node:: and the rest of the Node binary
    // Programs shipped beside the addon ({file name, built file}): the same machine, the same
    // grafting and glibc floor.
    std::vector<std::pair<std::string, std::filesystem::path>> executables;
};

// built itself is never changed: the files edited (patched, stripped) are copies in the result's work.
CheckedPrebuild check_prebuild(const std::filesystem::path& built, const Arch& arch,
                               const elf::LibraryResolver& resolver, const CheckOptions& options);

// The newest version of a symbol-version namespace ("GLIBC", "GLIBCXX") that any of infos needs,
// with its prefix ("GLIBC_2.34"); "" when none does. Versions compare numerically part by part.
std::string newest_version_needed(const std::vector<elf::ElfInfo>& infos, std::string_view name_space);

}  // namespace xbuild::node
