#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "builder/archive/tree_archive.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;
using xbuild::test::contains;

namespace {

struct stat lstat_of(const stdfs::path& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st;
}

std::string xattr_of(const stdfs::path& path, const char* name) {
    char value[64] = {};
    const ssize_t n = ::lgetxattr(path.c_str(), name, value, sizeof value);
    return n < 0 ? std::string("(none)") : std::string(value, static_cast<size_t>(n));
}

void set_mtime(const stdfs::path& path, long seconds) {
    const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

}  // namespace

TEST_SUITE("archive::tree_archive") {
    TEST_CASE("a tree comes back with types, modes, times, owners, links, xattrs and whiteouts") {
        fs::TempDir temp(stdfs::temp_directory_path(), "xbuild-tree-archive-");
        const stdfs::path src = temp.path() / "src", out = temp.path() / "out";
        fs::make_dirs(src / "root/usr/bin");
        fs::make_dirs(src / "root/opaque");
        fs::write_file_atomic(src / "root/usr/bin/tool", "#!/bin/sh\necho tool\n");
        const bool as_root = ::geteuid() == 0;
        if (as_root)
            REQUIRE(::lchown((src / "root/usr/bin/tool").c_str(), 0, 42) == 0);  // before the setuid bit
        ::chmod((src / "root/usr/bin/tool").c_str(), 04755);
        fs::write_file_atomic(src / "stage.json", "{}\n");
        stdfs::create_hard_link(src / "root/usr/bin/tool", src / "root/usr/bin/tool-again");
        stdfs::create_symlink("tool", src / "root/usr/bin/link");
        stdfs::create_symlink("/etc/passwd", src / "root/usr/bin/absolute-link");
        // What an overlay upper directory holds: a whiteout (char 0:0) and an opaque directory.
        if (as_root) {
            REQUIRE(::mknod((src / "root/gone").c_str(), S_IFCHR | 0, makedev(0, 0)) == 0);
            REQUIRE(::mknod((src / "root/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
            REQUIRE(::lsetxattr((src / "root/opaque").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0);
        }
        const bool user_xattrs =
            ::lsetxattr((src / "stage.json").c_str(), "user.xbuild.test", "v1", 2, 0) == 0;
        set_mtime(src / "root/usr/bin/tool", 1600000000);
        set_mtime(src / "root/usr/bin", 1500000000);

        const stdfs::path file = temp.path() / "tree.tar.zst";
        archive::write_tree_archive(src, file);
        fs::make_dirs(out);
        archive::extract_tree_archive(file, out);

        CHECK(fs::read_file(out / "root/usr/bin/tool") == "#!/bin/sh\necho tool\n");
        CHECK(fs::read_file(out / "stage.json") == "{}\n");
        const struct stat tool = lstat_of(out / "root/usr/bin/tool");
        CHECK((tool.st_mode & 07777) == (as_root ? 04755u : 0755u));
        CHECK(tool.st_mtim.tv_sec == 1600000000);
        CHECK(lstat_of(out / "root/usr/bin").st_mtim.tv_sec == 1500000000);
        const struct stat again = lstat_of(out / "root/usr/bin/tool-again");
        CHECK(again.st_ino == tool.st_ino);
        CHECK(stdfs::read_symlink(out / "root/usr/bin/link") == "tool");
        CHECK(stdfs::read_symlink(out / "root/usr/bin/absolute-link") == "/etc/passwd");
        if (user_xattrs) CHECK(xattr_of(out / "stage.json", "user.xbuild.test") == "v1");
        if (as_root) {
            const struct stat gone = lstat_of(out / "root/gone");
            CHECK(S_ISCHR(gone.st_mode));
            CHECK(gone.st_rdev == makedev(0, 0));
            CHECK(xattr_of(out / "root/opaque", "trusted.overlay.opaque") == "y");
            CHECK_FALSE(stdfs::exists(stdfs::symlink_status(out / "root/null")));  // a stage's own /dev node
            CHECK(tool.st_gid == 42u);
        }

        // The same tree gives the same archive (entries sorted, nothing of the moment in it).
        const stdfs::path second = temp.path() / "again.tar.zst";
        archive::write_tree_archive(src, second);
        CHECK(fs::read_file(second) == fs::read_file(file));
    }

    TEST_CASE("a damaged archive is an error naming it") {
        fs::TempDir temp(stdfs::temp_directory_path(), "xbuild-tree-archive-");
        fs::make_dirs(temp.path() / "src/a");
        fs::write_file_atomic(temp.path() / "src/a/file", std::string(100000, 'x'));
        const stdfs::path file = temp.path() / "tree.tar.zst";
        archive::write_tree_archive(temp.path() / "src", file);
        std::string bytes = fs::read_file(file);
        bytes.resize(bytes.size() / 2);
        fs::write_file_atomic(file, bytes);
        fs::make_dirs(temp.path() / "out");
        CHECK_THROWS_WITH_AS(archive::extract_tree_archive(file, temp.path() / "out"),
                             contains(file.string()), Error);
    }
}
