#pragma once
// One file of an artifact (a wheel's entry, a prebuild directory's file): where it goes in the artifact
// and where its bytes are on disk. Contents stay on disk, never whole in memory (wheels can be
// gigabytes): code that needs them streams them (hashes, zips), maps them (ELF headers and tables) or
// reads a small file with a size cap (fs::read_file_limited).
#include <filesystem>
#include <string>

namespace xbuild {

struct ArtifactFile {
    std::string path;            // in the artifact: relative, '/'-separated
    std::filesystem::path file;  // the content; never changed in place (an edit writes a new file)
    unsigned mode = 0644;
};

}  // namespace xbuild
