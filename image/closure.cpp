#include "image/closure.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/handle.hpp"
#include "builder/core/text.hpp"
#include "builder/elf/elf_file.hpp"
#include "builder/elf/resolver.hpp"

namespace xbuild::image {

namespace stdfs = std::filesystem;

namespace {

using text::printable;

using DirHandle = Handle<DIR, ::closedir>;

// A read-only mapping of a whole file, unmapped when the owner goes out of scope. Only the pages the ELF
// reader touches (headers, dynamic section, symbol tables) are read from disk. The layers must not change
// while they are checked: they are xbuild's own stage outputs.
class Mapping {
  public:
    Mapping(int fd, std::size_t size) : m_size(size) {
        m_data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m_data == MAP_FAILED) m_data = nullptr;
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() {
        if (m_data) ::munmap(m_data, m_size);
    }
    explicit operator bool() const { return m_data != nullptr; }
    std::string_view bytes() const { return {static_cast<const char*>(m_data), m_size}; }

  private:
    void* m_data = nullptr;
    std::size_t m_size;
};

// Where separate debug information lives (build-id files of -dbgsym packages): not code, not walked.
constexpr std::string_view k_debug_dir = "/usr/lib/debug";

// An overlayfs opaque directory ("trusted." as root, "user." with userxattr).
bool is_opaque(const stdfs::path& dir) {
    char value[2];
    for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"})
        if (::lgetxattr(dir.c_str(), name, value, sizeof value) == 1 && value[0] == 'y') return true;
    return false;
}

// A directory of the merged image and the layers (indexes, topmost first) whose copies of it show.
struct MergedDir {
    std::string path;  // image path without the trailing slash: "" for the root, "/usr/lib"
    std::vector<std::size_t> layers;
};

// What the topmost layer holding a name has there.
struct Entry {
    std::size_t layer;
    unsigned char type;  // DT_REG, DT_DIR, ...; DT_WHT for a whiteout
};

class ClosureChecker {
  public:
    ClosureChecker(const std::vector<stdfs::path>& layers, const Arch& arch)
        : m_layers(layers), m_arch(arch), m_resolver(layers, arch) {}

    ClosureReport run() {
        std::vector<MergedDir> pending{{"", {}}};
        for (std::size_t i = 0; i < m_layers.size(); ++i) {
            struct stat st {};
            if (::stat(m_layers[i].c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
                fail("closure check: the layer {} is not a directory", m_layers[i].string());
            pending.front().layers.push_back(i);
        }
        while (!pending.empty()) {
            MergedDir dir = std::move(pending.back());
            pending.pop_back();
            walk(dir, pending);
        }
        std::sort(m_report.missing.begin(), m_report.missing.end());
        m_report.missing.erase(std::unique(m_report.missing.begin(), m_report.missing.end()),
                               m_report.missing.end());
        return std::move(m_report);
    }

  private:
    stdfs::path host(std::size_t layer, const std::string& image_path) const {
        return image_path.empty() ? m_layers[layer] : m_layers[layer] / image_path.substr(1);
    }

    // The entries of one merged directory; the topmost layer decides what a name is.
    std::map<std::string, Entry> entries(const MergedDir& dir) const {
        std::map<std::string, Entry> found;
        for (std::size_t layer : dir.layers) {
            const stdfs::path where = host(layer, dir.path);
            DirHandle handle(::opendir(where.c_str()));
            if (!handle)
                fail("closure check: cannot read the directory {}: {}", where.string(), errno_text(errno));
            const int dir_fd = ::dirfd(handle.get());
            errno = 0;
            while (const dirent* entry = ::readdir(handle.get())) {
                std::string name = entry->d_name;
                if (name == "." || name == ".." || found.count(name)) continue;
                unsigned char type = entry->d_type;
                if (type == DT_UNKNOWN || type == DT_CHR) {
                    struct stat st {};
                    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                        fail("closure check: cannot stat {}: {}", (where / name).string(), errno_text(errno));
                    type = S_ISREG(st.st_mode)                                  ? DT_REG
                           : S_ISDIR(st.st_mode)                                ? DT_DIR
                           : S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) ? DT_WHT
                                                                                : DT_UNKNOWN;
                }
                found.emplace(std::move(name), Entry{layer, type});
                errno = 0;
            }
            if (errno != 0)
                fail("closure check: cannot read the directory {}: {}", where.string(), errno_text(errno));
        }
        return found;
    }

    void walk(const MergedDir& dir, std::vector<MergedDir>& pending) {
        for (const auto& [name, entry] : entries(dir)) {
            const std::string image_path = dir.path + "/" + name;
            if (entry.type == DT_REG) {
                ++m_report.files;
                check_file(entry.layer, image_path);
            } else if (entry.type == DT_DIR && image_path != k_debug_dir) {
                // As overlayfs merges: the same directory of the layers below, down to the first layer
                // where the path is something else or that marks it opaque.
                MergedDir sub{image_path, {entry.layer}};
                if (!is_opaque(host(entry.layer, image_path))) {
                    auto below = std::find(dir.layers.begin(), dir.layers.end(), entry.layer) + 1;
                    for (; below != dir.layers.end(); ++below) {
                        struct stat st {};
                        const stdfs::path lower = host(*below, image_path);
                        if (::lstat(lower.c_str(), &st) != 0) continue;
                        if (!S_ISDIR(st.st_mode)) break;
                        sub.layers.push_back(*below);
                        if (is_opaque(lower)) break;
                    }
                }
                pending.push_back(std::move(sub));
            }
            // Symlinks are never followed (their targets are files of the image too); whiteouts hide
            // the name; devices, fifos and sockets hold no code; separate debug files (-dbgsym
            // packages) are never loaded, and their program headers point at bytes they do not hold.
        }
    }

    void check_file(std::size_t layer, const std::string& image_path) {
        const stdfs::path file = host(layer, image_path);
        Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd) fail("closure check: cannot open {}: {}", file.string(), errno_text(errno));
        unsigned char header[20];
        const ssize_t got = ::pread(fd.get(), header, sizeof header, 0);
        if (got < 0) fail("closure check: cannot read {}: {}", file.string(), errno_text(errno));
        if (got < 4 || header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F') return;
        const std::string label =
            fmt::format("{} (in the layer {})", printable(image_path), m_layers[layer].string());
        if (got < static_cast<ssize_t>(sizeof header)) fail("{}: truncated ELF header", label);
        const int elf_class = header[4] == 2 ? 64 : header[4] == 1 ? 32 : 0;
        const bool little = header[5] == 1;
        const unsigned machine = little ? header[18] | (header[19] << 8) : (header[18] << 8) | header[19];
        if (elf_class != m_arch.elf_class || little != m_arch.little_endian ||
            machine != m_arch.elf_machine) {
            ++m_report.foreign_elf;
            return;
        }
        ++m_report.elf_files;
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0)
            fail("closure check: cannot stat {}: {}", file.string(), errno_text(errno));
        Mapping mapping(fd.get(), static_cast<std::size_t>(st.st_size));
        if (!mapping) fail("closure check: cannot map {}: {}", file.string(), errno_text(errno));
        const elf::ElfInfo info = elf::parse_elf(mapping.bytes(), label);
        if (info.type != elf::et_exec && info.type != elf::et_dyn) return;
        if (info.interpreter.empty() && info.needed.empty()) return;  // static, or static-pie
        ++m_report.checked;
        if (!info.interpreter.empty() && !resolves(info.interpreter, {}))
            m_report.missing.push_back({image_path, info.interpreter, true});
        const std::vector<std::string> dirs = search_dirs(info, image_path);
        for (const std::string& needed : info.needed) {
            // "$ORIGIN/../lib/libpython3.12.so.1.0": ld.so expands tokens in DT_NEEDED too.
            const std::string name =
                needed.find('$') == std::string::npos ? needed : expand(needed, image_path);
            if (!resolves(name, dirs)) m_report.missing.push_back({image_path, needed, false});
        }
    }

    // text with the dynamic string tokens ld.so expands in DT_NEEDED, DT_RPATH and DT_RUNPATH replaced:
    // $ORIGIN (the requester's image directory), $LIB and $PLATFORM as Debian's ld.so has them.
    std::string expand(const std::string& text, const std::string& image_path) const {
        const std::string origin = image_path.substr(0, image_path.rfind('/'));
        const std::string lib = "lib/" + std::string(m_arch.gnu_triplet);
        const std::string platform(m_arch.uname);
        const std::pair<std::string_view, const std::string*> tokens[] = {
            {"${ORIGIN}", &origin}, {"$ORIGIN", &origin},       {"${LIB}", &lib},
            {"$LIB", &lib},         {"${PLATFORM}", &platform}, {"$PLATFORM", &platform},
        };
        std::string out;
        for (std::size_t i = 0; i < text.size();) {
            auto token = std::find_if(std::begin(tokens), std::end(tokens), [&](const auto& t) {
                return text.compare(i, t.first.size(), t.first) == 0;
            });
            if (token == std::end(tokens)) {
                out += text[i++];
            } else {
                out += *token->second;
                i += token->first.size();
            }
        }
        return out;
    }

    // The requester's own search directories as absolute image paths: DT_RUNPATH, else DT_RPATH, tokens
    // expanded. Entries relative to the working directory, or with unknown tokens, can not be resolved
    // here: left out.
    std::vector<std::string> search_dirs(const elf::ElfInfo& info, const std::string& image_path) const {
        std::vector<std::string> dirs;
        for (const std::string& entry : info.runpath.empty() ? info.rpath : info.runpath) {
            std::string dir = expand(entry, image_path);
            if (dir.starts_with('/') && dir.find('$') == std::string::npos) dirs.push_back(std::move(dir));
        }
        return dirs;
    }

    // Whether ld.so finds name (a soname, or a path) from dirs; answers are cached per (name, dirs).
    bool resolves(const std::string& name, const std::vector<std::string>& dirs) {
        std::string key = name;
        for (const std::string& dir : dirs) key += '\0' + dir;
        auto [it, inserted] = m_cache.try_emplace(std::move(key), false);
        if (inserted) it->second = m_resolver.find(name, dirs).has_value();
        return it->second;
    }

    const std::vector<stdfs::path>& m_layers;
    const Arch& m_arch;
    elf::LibraryResolver m_resolver;
    std::unordered_map<std::string, bool> m_cache;
    ClosureReport m_report;
};

}  // namespace

std::vector<std::string> ClosureReport::missing_sonames() const {
    std::vector<std::string> sonames;
    for (const MissingLibrary& library : missing)
        if (!library.interpreter && library.soname.find('/') == std::string::npos)
            sonames.push_back(library.soname);
    std::sort(sonames.begin(), sonames.end());
    sonames.erase(std::unique(sonames.begin(), sonames.end()), sonames.end());
    return sonames;
}

ClosureReport check_closure(const std::vector<stdfs::path>& layers, const Arch& arch) {
    return ClosureChecker(layers, arch).run();
}

std::string describe_missing(const ClosureReport& report,
                             const std::map<std::string, std::vector<std::string>>& providers) {
    std::string out;
    for (const MissingLibrary& library : report.missing) {
        if (!out.empty()) out += '\n';
        if (library.interpreter) {
            out += fmt::format("{} needs the dynamic loader {}, which is not in the image",
                               printable(library.file), printable(library.soname));
            continue;
        }
        out += fmt::format("{} needs {}, which is not in the image", printable(library.file),
                           printable(library.soname));
        auto found = providers.find(library.soname);
        if (found == providers.end()) continue;
        if (found->second.empty()) {
            out += "; no Debian package ships it in a library directory";
        } else {
            std::string names;
            for (const std::string& name : found->second)
                names += (names.empty() ? "" : ", ") + printable(name);
            out += fmt::format(": it is in the Debian package{} {}; add {} to `packages` in xbuild.toml",
                               found->second.size() > 1 ? "s" : "", names,
                               found->second.size() > 1 ? "one of them" : "it");
        }
    }
    return out;
}

}  // namespace xbuild::image
