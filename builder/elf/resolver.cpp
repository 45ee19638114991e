#include "builder/elf/resolver.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <fstream>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"

namespace xbuild::elf {

namespace stdfs = std::filesystem;

namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        std::string part = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!part.empty() && part != ".") parts.push_back(part);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return parts;
}

bool is_whiteout(const struct stat& st) {
    return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

// An overlayfs opaque directory ("trusted." as root, "user." with userxattr): lower layers
// do not show through it.
bool is_opaque(const stdfs::path& dir) {
    char value[2];
    for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"})
        if (::lgetxattr(dir.c_str(), name, value, sizeof value) == 1 && value[0] == 'y') return true;
    return false;
}

// Machine and class from the ELF header, without parsing the rest.
bool elf_matches(const stdfs::path& file, const Arch& arch) {
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    // e_ident and e_machine sit at the same offsets in both classes.
    static_assert(offsetof(Elf32_Ehdr, e_machine) == offsetof(Elf64_Ehdr, e_machine));
    constexpr std::size_t machine_at = offsetof(Elf64_Ehdr, e_machine);
    unsigned char header[machine_at + 2];
    if (!fd || ::read(fd.get(), header, sizeof header) != static_cast<ssize_t>(sizeof header)) return false;
    if (std::memcmp(header, ELFMAG, SELFMAG) != 0) return false;
    int elf_class = header[EI_CLASS] == ELFCLASS64 ? 64 : header[EI_CLASS] == ELFCLASS32 ? 32 : 0;
    bool little = header[EI_DATA] == ELFDATA2LSB;
    unsigned machine = little ? header[machine_at] | (header[machine_at + 1] << 8)
                              : (header[machine_at] << 8) | header[machine_at + 1];
    return elf_class == arch.elf_class && little == arch.little_endian && machine == arch.elf_machine;
}

}  // namespace

LibraryResolver::LibraryResolver(std::vector<stdfs::path> layers, const Arch& arch)
    : m_layers(std::move(layers)), m_arch(&arch) {
    const std::string triplet(arch.gnu_triplet);
    std::vector<std::string> dirs;
    // ld.so.conf and its includes (Debian: include /etc/ld.so.conf.d/*.conf).
    std::vector<std::string> confs;
    for (const auto& layer : m_layers) {
        std::error_code error;
        for (const auto& entry : stdfs::directory_iterator(layer / "etc/ld.so.conf.d", error)) {
            std::string name = entry.path().filename();
            if (name.ends_with(".conf") && std::find(confs.begin(), confs.end(), name) == confs.end())
                confs.push_back(name);
        }
    }
    std::sort(confs.begin(), confs.end());
    for (const std::string& conf : confs) {
        auto file = host_path("/etc/ld.so.conf.d/" + conf);
        if (!file) continue;
        std::ifstream in(*file);
        std::string line;
        while (std::getline(in, line)) {
            line = line.substr(0, line.find('#'));
            line.erase(0, line.find_first_not_of(" \t"));
            line.erase(line.find_last_not_of(" \t\r") + 1);
            if (!line.empty() && line[0] == '/') dirs.push_back(line);
        }
    }
    for (std::string dir :
         {"/lib/" + triplet, "/usr/lib/" + triplet, std::string("/lib"), std::string("/usr/lib")})
        dirs.push_back(dir);
    if (arch.elf_class == 64) {
        dirs.push_back("/lib64");
        dirs.push_back("/usr/lib64");
    }
    for (const std::string& dir : dirs)
        if (std::find(m_dirs.begin(), m_dirs.end(), dir) == m_dirs.end()) m_dirs.push_back(dir);
}

std::optional<stdfs::path> LibraryResolver::host_path(const std::string& stage_path) const {
    std::vector<std::string> pending = split_path(stage_path);
    std::reverse(pending.begin(), pending.end());
    std::vector<std::string> resolved;  // components of the resolved stage path so far
    // merged[i]: the layers (topmost first) whose directory resolved[0..i) shows in the stage. As in
    // overlayfs, a directory merges with the same directory of the layers below it down to the
    // first layer where that path is something else (a whiteout, a file, a symlink) or that marks
    // it opaque; a lower layer is never read through its own symlinks.
    std::vector<std::vector<size_t>> merged(1);
    for (size_t i = 0; i < m_layers.size(); ++i) merged[0].push_back(i);
    int hops = 0;
    while (!pending.empty()) {
        std::string name = pending.back();
        pending.pop_back();
        if (name == "..") {
            if (!resolved.empty()) {
                resolved.pop_back();
                merged.pop_back();
            }
            continue;
        }
        resolved.push_back(name);
        std::string current;
        for (const auto& part : resolved) current += "/" + part;
        // The topmost layer that has the entry decides (a whiteout hides the lower ones).
        std::optional<stdfs::path> found;
        size_t owner = 0;
        struct stat st {};
        for (size_t index : merged.back()) {
            stdfs::path candidate = m_layers[index] / current.substr(1);
            if (::lstat(candidate.c_str(), &st) != 0) continue;
            if (is_whiteout(st)) return std::nullopt;
            found = candidate;
            owner = index;
            break;
        }
        if (!found) return std::nullopt;
        if (S_ISLNK(st.st_mode)) {
            if (++hops > 40) return std::nullopt;
            std::string target = stdfs::read_symlink(*found).string();
            resolved.pop_back();
            if (!target.empty() && target[0] == '/') {
                resolved.clear();
                merged.resize(1);
            }
            auto parts = split_path(target);
            for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
            continue;
        }
        if (pending.empty()) return found;
        if (!S_ISDIR(st.st_mode)) return std::nullopt;
        std::vector<size_t> below{owner};
        if (!is_opaque(*found)) {
            const auto& above = merged.back();
            for (auto it = std::find(above.begin(), above.end(), owner) + 1; it != above.end(); ++it) {
                stdfs::path candidate = m_layers[*it] / current.substr(1);
                struct stat lower {};
                if (::lstat(candidate.c_str(), &lower) != 0) continue;
                if (!S_ISDIR(lower.st_mode)) break;
                below.push_back(*it);
                if (is_opaque(candidate)) break;
            }
        }
        merged.push_back(std::move(below));
    }
    if (resolved.empty())
        return m_layers.empty() ? std::nullopt : std::optional<stdfs::path>(m_layers.back());
    // The path ended in ".." or in a symlink to a directory: the topmost layer names it.
    std::string current;
    for (const auto& part : resolved) current += "/" + part;
    return m_layers[merged.back().front()] / current.substr(1);
}

std::optional<ResolvedLibrary> LibraryResolver::find(const std::string& soname,
                                                     const std::vector<std::string>& rpath_dirs) const {
    if (soname.find('/') != std::string::npos) {
        auto file = host_path(soname);
        if (file && elf_matches(*file, *m_arch)) return ResolvedLibrary{*file, soname};
        return std::nullopt;
    }
    std::vector<std::string> dirs = rpath_dirs;
    dirs.insert(dirs.end(), m_dirs.begin(), m_dirs.end());
    for (const std::string& dir : dirs) {
        std::string stage_path = (dir.ends_with('/') ? dir : dir + "/") + soname;
        auto file = host_path(stage_path);
        if (file && stdfs::is_regular_file(*file) && elf_matches(*file, *m_arch))
            return ResolvedLibrary{*file, stage_path};
    }
    return std::nullopt;
}

}  // namespace xbuild::elf
