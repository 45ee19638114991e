#include "image/app_files.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

namespace xbuild::image {

namespace stdfs = std::filesystem;

namespace {

class Copier {
  public:
    Copier(const stdfs::path& root, std::string where) : m_root(root), m_where(std::move(where)) {}

    // Copies source (a file, symlink or directory) to the image path dest.
    void copy(const stdfs::path& source, const std::string& dest) {
        const stdfs::path target = prepare(dest);
        const auto status = stdfs::symlink_status(source);
        if (stdfs::is_symlink(status)) {
            stdfs::create_symlink(stdfs::read_symlink(source), target);
        } else if (stdfs::is_directory(status)) {
            make_directory(target);
            std::vector<stdfs::path> children;
            for (const auto& entry : stdfs::directory_iterator(source)) children.push_back(entry.path());
            std::sort(children.begin(), children.end());
            for (const auto& child : children) copy(child, dest + "/" + child.filename().string());
        } else if (stdfs::is_regular_file(status)) {
            const bool executable =
                (status.permissions() & (stdfs::perms::owner_exec | stdfs::perms::group_exec |
                                         stdfs::perms::others_exec)) != stdfs::perms::none;
            // Into the image's staging tree (renamed into place as a whole): a plain copy, mode exact.
            fs::copy_file_content(source, target, executable ? 0755 : 0644);
        } else {
            fail("{}: {} is not a file, directory or symlink", m_where, source.string());
        }
        m_written.push_back(dest);
    }

    void set_where(std::string where) { m_where = std::move(where); }

    std::vector<std::string> written() {
        std::sort(m_written.begin(), m_written.end());
        return m_written;
    }

  private:
    // The host path of the image path dest, its parent directories made; refused when a parent is
    // a symlink or not a directory, or when dest exists already.
    stdfs::path prepare(const std::string& dest) {
        stdfs::path walk = m_root;
        const stdfs::path relative = stdfs::path(dest).relative_path();
        for (auto it = relative.begin(); it != relative.end(); ++it) {
            walk /= *it;
            const bool last = std::next(it) == relative.end();
            std::error_code error;
            const auto status = stdfs::symlink_status(walk, error);
            if (last) {
                if (stdfs::exists(status)) fail("{}: {} is written twice", m_where, dest);
                break;
            }
            if (!stdfs::exists(status))
                make_directory(walk);
            else if (stdfs::is_symlink(status) || !stdfs::is_directory(status))
                fail("{}: {} goes through {}, which is not a directory", m_where, dest,
                     "/" + walk.lexically_relative(m_root).string());
        }
        return walk;
    }

    static void make_directory(const stdfs::path& dir) {
        stdfs::create_directory(dir);
        ::chmod(dir.c_str(), 0755);
    }

    stdfs::path m_root;
    std::string m_where;
    std::vector<std::string> m_written;
};

// The glob's matches, sorted; each must resolve inside the project.
std::vector<stdfs::path> matches(const stdfs::path& project, const std::string& pattern,
                                 const std::string& where) {
    glob_t found{};
    const std::string full = (project / pattern).string();
    const int code = ::glob(full.c_str(), GLOB_NOSORT, nullptr, &found);
    std::vector<stdfs::path> paths;
    if (code == 0)
        for (std::size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
    ::globfree(&found);
    if (code == GLOB_NOMATCH || paths.empty())
        fail("{}: from '{}' matches nothing in {}", where, pattern, project.string());
    if (code != 0) fail("{}: from '{}': cannot read {}", where, pattern, project.string());
    std::sort(paths.begin(), paths.end());
    const stdfs::path real_project = stdfs::canonical(project);
    for (const auto& path : paths) {
        // The directory holding the match must be the project's: no symlinked parent leads out.
        const stdfs::path parent = stdfs::canonical(path.parent_path());
        const auto relative = parent.lexically_relative(real_project);
        if (relative.empty() || *relative.begin() == "..")
            fail("{}: {} is outside the project", where, path.string());
    }
    return paths;
}

}  // namespace

std::vector<std::string> copy_app_files(const ImageConfig& config, const stdfs::path& root) {
    Copier copier(root, "");
    for (std::size_t i = 0; i < config.files.size(); ++i) {
        const FileCopy& copy = config.files[i];
        const std::string where = fmt::format("{}: [[image.files]] {} (from '{}')",
                                              (config.dir / "xbuild.toml").string(), i + 1, copy.from);
        copier.set_where(where);
        auto sources = matches(config.dir, copy.from, where);
        std::string to = stdfs::path(copy.to).lexically_normal().string();
        const bool into_directory = copy.to.back() == '/' || sources.size() > 1;
        if (into_directory && to.back() == '/') to.pop_back();
        for (const auto& source : sources)
            copier.copy(source, into_directory ? to + "/" + source.filename().string() : to);
    }
    return copier.written();
}

}  // namespace xbuild::image
