// copy_app_files from a project made here into a staging root: globs, files, directories and
// symlinks, normalized modes, the image paths returned, and the refusals that keep sources inside
// the project and destinations inside the root.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/app_files.hpp"
#include "image/image_config.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
using xbuild::test::contains;
namespace stdfs = std::filesystem;
using Strings = std::vector<std::string>;

namespace {

// project/ (the image project), root/ (the image's "/") and outside/ (neither), side by side.
struct Dirs {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-app-files-test-"};
    stdfs::path project = dir.path() / "project";
    stdfs::path root = dir.path() / "root";
    stdfs::path outside = dir.path() / "outside";
    Dirs() {
        fs::make_dirs(project);
        fs::make_dirs(root);
        fs::make_dirs(outside);
    }
    void file(const std::string& path, const std::string& content, unsigned mode = 0644) const {
        fs::make_dirs((project / path).parent_path());
        fs::write_file_atomic(project / path, content, mode);
        REQUIRE(::chmod((project / path).c_str(), mode) == 0);
    }
    void link(const std::string& target, const std::string& path) const {
        fs::make_dirs((project / path).parent_path());
        stdfs::create_symlink(target, project / path);
    }
    ImageConfig config(const std::vector<FileCopy>& files) const {
        ImageConfig config;
        config.dir = project;
        config.tag = "app:1";
        config.files = files;
        return config;
    }
    // "[[image.files]] N (from 'FROM')" with the file's path in front, as messages say it.
    std::string where(int number, const std::string& from) const {
        return fmt::format("{}: [[image.files]] {} (from '{}')", (project / "xbuild.toml").string(), number,
                           from);
    }
};

// Sets the process umask for the scope.
class Umask {
  public:
    explicit Umask(mode_t mask) : m_saved(::umask(mask)) {}
    ~Umask() { ::umask(m_saved); }
    Umask(const Umask&) = delete;
    Umask& operator=(const Umask&) = delete;

  private:
    mode_t m_saved;
};

}  // namespace

TEST_SUITE("app files") {
    TEST_CASE("globs into directories, a file to a file path, the image paths returned sorted") {
        Dirs dirs;
        dirs.file("static/b.html", "<b>");
        dirs.file("static/a.html", "<a>");
        dirs.file("static/style.css", "css");
        dirs.file("server.js", "listen()");
        dirs.file("conf/y.toml", "y");
        dirs.file("conf/x.toml", "x");
        dirs.file("conf/only.ini", "only");
        const Strings written =
            copy_app_files(dirs.config({{"static/*.html", "/app/static/"},
                                        {"server.js", "/app/main.js"},
                                        {"conf/*.toml", "/etc/app"},  // several: a directory
                                        {"conf/only.ini", "/etc/app.d/"},
                                        {"server.js", "/"}}),
                           dirs.root);
        CHECK(written == Strings{"/app/main.js", "/app/static/a.html", "/app/static/b.html",
                                 "/etc/app.d/only.ini", "/etc/app/x.toml", "/etc/app/y.toml", "/server.js"});
        CHECK(test::tree_with_modes(dirs.root) ==
              Strings{"app/ 0755", "app/main.js 0644", "app/static/ 0755", "app/static/a.html 0644",
                      "app/static/b.html 0644", "etc/ 0755", "etc/app.d/ 0755", "etc/app.d/only.ini 0644",
                      "etc/app/ 0755", "etc/app/x.toml 0644", "etc/app/y.toml 0644", "server.js 0644"});
        CHECK(fs::read_file(dirs.root / "app/main.js") == "listen()");
        CHECK(fs::read_file(dirs.root / "app/static/b.html") == "<b>");
        CHECK(fs::read_file(dirs.root / "etc/app/y.toml") == "y");
    }

    TEST_CASE("one match without a trailing '/' is the file 'to'; with '/' it goes into it") {
        Dirs dirs;
        dirs.file("conf/app.toml", "cfg");
        const Strings written = copy_app_files(
            dirs.config({{"conf/*.toml", "/etc/app.conf"}, {"conf/app.toml", "/etc/app/"}}), dirs.root);
        CHECK(written == Strings{"/etc/app.conf", "/etc/app/app.toml"});
        CHECK(fs::read_file(dirs.root / "etc/app.conf") == "cfg");
        CHECK(fs::read_file(dirs.root / "etc/app/app.toml") == "cfg");
    }

    TEST_CASE("a directory is copied recursively; symlinks are copied as symlinks, never followed") {
        Dirs dirs;
        dirs.file("assets/index.html", "<html>");
        dirs.file("assets/img/logo.png", "PNG");
        dirs.link("index.html", "assets/home.html");
        dirs.link("/etc/passwd", "assets/passwd");
        dirs.link(dirs.outside.string(), "assets/out");  // a directory outside: the link, not its files
        fs::write_file_atomic(dirs.outside / "secret", "secret");
        dirs.link("assets", "current");  // a symlink to a directory, matched itself
        const Strings written =
            copy_app_files(dirs.config({{"assets", "/srv/www"}, {"current", "/srv/current"}}), dirs.root);
        CHECK(written == Strings{"/srv/current", "/srv/www", "/srv/www/home.html", "/srv/www/img",
                                 "/srv/www/img/logo.png", "/srv/www/index.html", "/srv/www/out",
                                 "/srv/www/passwd"});
        CHECK(test::tree_with_modes(dirs.root) ==
              Strings{"srv/ 0755", "srv/current -> assets", "srv/www/ 0755",
                      "srv/www/home.html -> index.html", "srv/www/img/ 0755", "srv/www/img/logo.png 0644",
                      "srv/www/index.html 0644", "srv/www/out -> " + dirs.outside.string(),
                      "srv/www/passwd -> /etc/passwd"});
    }

    TEST_CASE("modes: 0644, 0755 when any execute bit is set, directories 0755 whatever the umask") {
        Dirs dirs;
        dirs.file("bin/private", "a", 0600);
        dirs.file("bin/group-read", "b", 0640);
        dirs.file("bin/owner-exec", "c", 0700);
        dirs.file("bin/group-exec", "d", 0610);
        dirs.file("bin/other-exec", "e", 0601);
        dirs.file("bin/all", "f", 0777);
        fs::make_dirs(dirs.project / "bin/closed");
        REQUIRE(::chmod((dirs.project / "bin/closed").c_str(), 0700) == 0);
        REQUIRE(::chmod((dirs.project / "bin").c_str(), 0750) == 0);
        Umask umask(077);
        const Strings written = copy_app_files(dirs.config({{"bin", "/opt/tool/bin"}}), dirs.root);
        CHECK(written.size() == 8);
        CHECK(test::tree_with_modes(dirs.root) ==
              Strings{"opt/ 0755", "opt/tool/ 0755", "opt/tool/bin/ 0755", "opt/tool/bin/all 0755",
                      "opt/tool/bin/closed/ 0755", "opt/tool/bin/group-exec 0755",
                      "opt/tool/bin/group-read 0644", "opt/tool/bin/other-exec 0755",
                      "opt/tool/bin/owner-exec 0755", "opt/tool/bin/private 0644"});
    }

    TEST_CASE("symlinks inside the project, and names starting with two dots, are inside it") {
        Dirs dirs;
        dirs.file("static/a.html", "<a>");
        dirs.link("static", "alias");
        dirs.file("..data/config.json", "{}");
        const Strings written = copy_app_files(
            dirs.config({{"alias/*.html", "/www/"}, {"..data/*.json", "/etc/app/"}}), dirs.root);
        CHECK(written == Strings{"/etc/app/config.json", "/www/a.html"});
        CHECK(fs::read_file(dirs.root / "www/a.html") == "<a>");
    }

    TEST_CASE("a glob that matches nothing, a file written twice") {
        Dirs dirs;
        dirs.file("a", "a");
        dirs.file("b", "b");
        CHECK_THROWS_WITH_AS(copy_app_files(dirs.config({{"a", "/a"}, {"nope/*.txt", "/x/"}}), dirs.root),
                             contains(dirs.where(2, "nope/*.txt") +
                                      ": from 'nope/*.txt' matches nothing in " + dirs.project.string()),
                             Error);
        Dirs twice;
        twice.file("a", "a");
        twice.file("b", "b");
        CHECK_THROWS_WITH_AS(copy_app_files(twice.config({{"a", "/app/x"}, {"b", "/app/x"}}), twice.root),
                             contains(twice.where(2, "b") + ": /app/x is written twice"), Error);
        CHECK(fs::read_file(twice.root / "app/x") == "a");
        // Into a directory, the same name twice.
        Dirs same;
        same.file("one/conf", "1");
        same.file("two/conf", "2");
        CHECK_THROWS_WITH_AS(
            copy_app_files(same.config({{"one/conf", "/etc/"}, {"two/*", "/etc/"}}), same.root),
            contains(same.where(2, "two/*") + ": /etc/conf is written twice"), Error);
        CHECK(fs::read_file(same.root / "etc/conf") == "1");
    }

    TEST_CASE("a destination through a symlink copied before is refused; nothing is written outside") {
        Dirs dirs;
        dirs.link(dirs.outside.string(), "data");
        dirs.file("file.txt", "payload");
        CHECK_THROWS_WITH_AS(
            copy_app_files(dirs.config({{"data", "/app/data"}, {"file.txt", "/app/data/"}}), dirs.root),
            contains(dirs.where(2, "file.txt") +
                     ": /app/data/file.txt goes through /app/data, which is not a directory"),
            Error);
        CHECK(stdfs::is_empty(dirs.outside));
        CHECK(stdfs::is_symlink(dirs.root / "app/data"));

        // The same with a symlink that a directory copy brought along, and a deeper destination.
        Dirs deep;
        deep.link(deep.outside.string(), "tree/escape");
        deep.file("file.txt", "payload");
        CHECK_THROWS_WITH_AS(
            copy_app_files(deep.config({{"tree", "/srv"}, {"file.txt", "/srv/escape/x/y.txt"}}), deep.root),
            contains(deep.where(2, "file.txt") + ": /srv/escape/x/y.txt goes through /srv/escape"), Error);
        CHECK(stdfs::is_empty(deep.outside));

        // Through a file: not a directory either.
        Dirs file;
        file.file("a", "a");
        CHECK_THROWS_WITH_AS(
            copy_app_files(file.config({{"a", "/app/a"}, {"a", "/app/a/b"}}), file.root),
            contains(file.where(2, "a") + ": /app/a/b goes through /app/a, which is not a directory"), Error);
    }

    TEST_CASE("a match whose directory is a symlink leading out of the project is refused") {
        Dirs dirs;
        fs::write_file_atomic(dirs.outside / "secret.txt", "secret");
        dirs.link(dirs.outside.string(), "ext");
        dirs.link("../outside", "rel");
        dirs.file("sub/ok.txt", "ok");
        dirs.link(dirs.outside.string(), "sub/deeper");
        auto refused = [&](const std::string& from) {
            INFO(from);
            CHECK_THROWS_WITH_AS(copy_app_files(dirs.config({{from, "/app/"}}), dirs.root),
                                 contains(dirs.where(1, from) + ": "), Error);
            CHECK_THROWS_WITH_AS(copy_app_files(dirs.config({{from, "/app/"}}), dirs.root),
                                 contains("secret.txt is outside the project"), Error);
        };
        refused("ext/*.txt");
        refused("ext/secret.txt");
        refused("rel/*");
        refused("sub/deeper/secret.txt");
        CHECK(stdfs::is_empty(dirs.root));
        // The symlink itself is a match inside the project: copied as a symlink.
        CHECK(copy_app_files(dirs.config({{"ext", "/app/ext"}}), dirs.root) == Strings{"/app/ext"});
        CHECK(stdfs::read_symlink(dirs.root / "app/ext") == dirs.outside);
    }
}
