// prune_tree on trees built here: paths, patterns and keep globs, the counts, and the refusals
// that keep it below the root (absolute paths, '..', paths through a symlink).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/prune.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
using xbuild::test::contains;
namespace stdfs = std::filesystem;
using Strings = std::vector<std::string>;

namespace {

// A scratch directory with root/ (the tree pruned) and outside/ (next to it, never to be touched).
struct Tree {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-prune-test-"};
    stdfs::path root = dir.path() / "root";
    stdfs::path outside = dir.path() / "outside";
    Tree() {
        fs::make_dirs(root);
        fs::make_dirs(outside);
    }
    void file(const std::string& path, std::size_t size) const {
        fs::make_dirs((root / path).parent_path());
        fs::write_file_atomic(root / path, std::string(size, 'x'));
    }
    void dir_at(const std::string& path) const { fs::make_dirs(root / path); }
    void link(const std::string& target, const std::string& path) const {
        fs::make_dirs((root / path).parent_path());
        stdfs::create_symlink(target, root / path);
    }
    // Every entry below root, '/'-separated, directories with a trailing '/', sorted.
    Strings entries() const {
        Strings out;
        for (const auto& entry : stdfs::recursive_directory_iterator(root)) {
            std::string path = entry.path().lexically_relative(root).generic_string();
            if (entry.is_directory() && !entry.is_symlink()) path += "/";
            out.push_back(path);
        }
        std::sort(out.begin(), out.end());
        return out;
    }
};

}  // namespace

TEST_SUITE("prune") {
    TEST_CASE("paths remove files, whole directories and symlinks, never what a symlink points to") {
        Tree tree;
        tree.file("usr/bin/python3", 10);
        tree.file("usr/bin/openssl", 100);
        tree.file("usr/share/man/man1/python3.1.gz", 30);
        tree.file("usr/share/man/man5/x.5.gz", 7);
        tree.link("python3.1.gz", "usr/share/man/man1/python.1.gz");
        tree.file("usr/share/zoneinfo/UTC", 5);
        fs::write_file_atomic(tree.outside / "precious", "keep me");
        fs::make_dirs(tree.outside / "sub");
        fs::write_file_atomic(tree.outside / "sub/also", "keep me too");
        tree.link(tree.outside.string(), "usr/lib/external");  // a symlink to a directory outside root

        PruneRules rules;
        rules.paths = {"usr/bin/openssl", "usr/share/man", "usr/lib/external", "usr/share/missing"};
        const PruneResult result = prune_tree(tree.root, rules);
        // openssl; man, man1, python3.1.gz, python.1.gz, man5, x.5.gz; external.
        CHECK(result.entries == 8);
        CHECK(result.bytes == 100 + 30 + 7);
        CHECK(tree.entries() == Strings{"usr/", "usr/bin/", "usr/bin/python3", "usr/lib/", "usr/share/",
                                        "usr/share/zoneinfo/", "usr/share/zoneinfo/UTC"});
        CHECK(fs::read_file(tree.outside / "precious") == "keep me");
        CHECK(fs::read_file(tree.outside / "sub/also") == "keep me too");
    }

    TEST_CASE("a dangling symlink named by a path is removed; a normalized path is the same path") {
        Tree tree;
        tree.link("/nowhere/at/all", "etc/alternatives/pager");
        tree.file("var/log/dpkg.log", 12);
        PruneRules rules;
        rules.paths = {"etc/alternatives/pager", "./var/./log/"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(result.entries == 3);
        CHECK(result.bytes == 12);
        CHECK(tree.entries() == Strings{"etc/", "etc/alternatives/", "var/"});
    }

    TEST_CASE("keep globs survive inside a removed directory") {
        Tree tree;
        tree.file("usr/share/doc/libc6/copyright", 40);
        tree.file("usr/share/doc/libc6/changelog.Debian.gz", 500);
        tree.file("usr/share/doc/python3/copyright", 60);
        tree.file("usr/share/doc/python3/README", 9);
        tree.file("usr/share/doc/python3/examples/copyright", 3);  // deeper: not usr/share/doc/*/copyright
        tree.file("usr/share/doc/README", 2);
        tree.dir_at("usr/share/doc/empty");
        PruneRules rules;
        rules.paths = {"usr/share/doc"};
        rules.keep = {"usr/share/doc/*/copyright"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(tree.entries() == Strings{"usr/", "usr/share/", "usr/share/doc/", "usr/share/doc/libc6/",
                                        "usr/share/doc/libc6/copyright", "usr/share/doc/python3/",
                                        "usr/share/doc/python3/copyright"});
        // changelog.Debian.gz, README, examples/ and its copyright, doc/README, empty/.
        CHECK(result.entries == 6);
        CHECK(result.bytes == 500 + 9 + 3 + 2);
    }

    TEST_CASE("a kept path named literally survives, and so does the directory holding it") {
        Tree tree;
        tree.file("usr/share/locale/locale.alias", 4);
        tree.file("usr/share/locale/de/LC_MESSAGES/x.mo", 8);
        PruneRules rules;
        rules.paths = {"usr/share/locale", "usr/share/locale/locale.alias"};
        rules.keep = {"usr/share/locale/locale.alias"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(tree.entries() ==
              Strings{"usr/", "usr/share/", "usr/share/locale/", "usr/share/locale/locale.alias"});
        CHECK(result.entries == 3);  // de/, LC_MESSAGES/, x.mo
        CHECK(result.bytes == 8);
    }

    TEST_CASE("patterns without '/' match names at any depth, with '/' the whole relative path") {
        Tree tree;
        tree.file("libz.a", 1);
        tree.file("usr/lib/x86_64-linux-gnu/libz.a", 20);
        tree.file("usr/lib/x86_64-linux-gnu/libz.so.1", 300);
        tree.file("usr/lib/x86_64-linux-gnu/deep/er/libm.a", 4);
        tree.link("libz.so.1", "usr/lib/x86_64-linux-gnu/libq.a");  // a symlink matching: removed
        tree.file("usr/lib/python3.13/json/tests/test_x.py", 50);
        tree.file("usr/lib/python3.13/json/tests/data/a.json", 6);
        tree.file("usr/lib/python3.13/json/__init__.py", 70);
        tree.file("usr/lib/python3.13/tests/keep.py", 5);      // not python3.13/*/tests: one level up
        tree.file("usr/lib/python3.13/a/b/tests/keep.py", 5);  // '*' does not cross '/'
        tree.file("usr/lib/python3.13/lib-dynload/_testcapi.so", 900);
        tree.file("usr/lib/python3.13/lib-dynload/_json.so", 80);
        tree.file("dev/null", 0);
        PruneRules rules;
        rules.patterns = {"*.a", "usr/lib/python3.13/*/tests", "usr/lib/python3.13/lib-dynload/_test*",
                          "dev/*"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(tree.entries() ==
              Strings{"dev/", "usr/", "usr/lib/", "usr/lib/python3.13/", "usr/lib/python3.13/a/",
                      "usr/lib/python3.13/a/b/", "usr/lib/python3.13/a/b/tests/",
                      "usr/lib/python3.13/a/b/tests/keep.py", "usr/lib/python3.13/json/",
                      "usr/lib/python3.13/json/__init__.py", "usr/lib/python3.13/lib-dynload/",
                      "usr/lib/python3.13/lib-dynload/_json.so", "usr/lib/python3.13/tests/",
                      "usr/lib/python3.13/tests/keep.py", "usr/lib/x86_64-linux-gnu/",
                      "usr/lib/x86_64-linux-gnu/deep/", "usr/lib/x86_64-linux-gnu/deep/er/",
                      "usr/lib/x86_64-linux-gnu/libz.so.1"});
        // libz.a x2, libm.a, libq.a; json/tests, test_x.py, data/, a.json; _testcapi.so; dev/null.
        CHECK(result.entries == 10);
        CHECK(result.bytes == 1 + 20 + 4 + 50 + 6 + 900 + 0);
    }

    TEST_CASE("keep globs also protect what a pattern matches") {
        Tree tree;
        tree.file("usr/lib/libkeep.a", 3);
        tree.file("usr/lib/libgo.a", 11);
        PruneRules rules;
        rules.patterns = {"*.a"};
        rules.keep = {"usr/lib/libkeep.a"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(tree.entries() == Strings{"usr/", "usr/lib/", "usr/lib/libkeep.a"});
        CHECK(result.entries == 1);
        CHECK(result.bytes == 11);
    }

    TEST_CASE("nothing to remove: zero counts, the tree as it was") {
        Tree tree;
        tree.file("etc/hostname", 5);
        PruneRules rules;
        rules.paths = {"usr/share/doc"};
        rules.patterns = {"*.a"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(result.entries == 0);
        CHECK(result.bytes == 0);
        CHECK(tree.entries() == Strings{"etc/", "etc/hostname"});
    }

    TEST_CASE("absolute paths, '..' and paths through a symlink are refused; nothing outside is touched") {
        Tree tree;
        tree.file("usr/share/doc/x/copyright", 1);
        fs::make_dirs(tree.outside / "doc");
        fs::write_file_atomic(tree.outside / "doc/file", "outside");
        tree.link(tree.outside.string(), "usr/share/elsewhere");  // absolute, leaves root
        tree.link("doc", "usr/share/docs");                       // relative, stays inside
        const Strings before = tree.entries();
        auto refused = [&](const std::string& path, const std::string& message) {
            INFO(path);
            PruneRules rules;
            rules.paths = {path};
            CHECK_THROWS_WITH_AS(prune_tree(tree.root, rules), contains(message), Error);
        };
        refused("/etc", "prune path '/etc' is not inside the image root");
        refused(tree.outside.string(), "is not inside the image root");
        refused("..", "prune path '..' is not inside the image root");
        refused("../outside/doc", "prune path '../outside/doc' is not inside the image root");
        refused("usr/../../outside", "prune path 'usr/../../outside' is not inside the image root");
        refused("", "prune path '' is not inside the image root");
        refused("usr/share/elsewhere/doc",
                "prune path 'usr/share/elsewhere/doc' goes through the symlink usr/share/elsewhere");
        refused("usr/share/elsewhere/doc/file", "goes through the symlink usr/share/elsewhere");
        refused("usr/share/docs/x", "prune path 'usr/share/docs/x' goes through the symlink usr/share/docs");
        CHECK(fs::read_file(tree.outside / "doc/file") == "outside");
        CHECK(tree.entries() == before);

        // The symlink itself may be named: it goes, its target stays.
        PruneRules rules;
        rules.paths = {"usr/share/elsewhere"};
        CHECK(prune_tree(tree.root, rules).entries == 1);
        CHECK_FALSE(stdfs::exists(stdfs::symlink_status(tree.root / "usr/share/elsewhere")));
        CHECK(fs::read_file(tree.outside / "doc/file") == "outside");
    }

    TEST_CASE("a name that merely starts with two dots is inside the root") {
        Tree tree;
        tree.file("..data/config", 6);
        tree.file("etc/..hidden", 2);
        PruneRules rules;
        rules.paths = {"..data", "etc/..hidden"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(result.entries == 3);
        CHECK(result.bytes == 8);
        CHECK(tree.entries() == Strings{"etc/"});
    }

    TEST_CASE("patterns never follow a symlink to a directory out of the root") {
        Tree tree;
        fs::write_file_atomic(tree.outside / "libout.a", "outside");
        tree.link(tree.outside.string(), "usr/lib/out");
        tree.file("usr/lib/libin.a", 2);
        PruneRules rules;
        rules.patterns = {"*.a"};
        const PruneResult result = prune_tree(tree.root, rules);
        CHECK(result.entries == 1);
        CHECK(result.bytes == 2);
        CHECK(fs::read_file(tree.outside / "libout.a") == "outside");
        CHECK(tree.entries() == Strings{"usr/", "usr/lib/", "usr/lib/out"});
    }

    TEST_CASE("keep_only keeps the named paths and the directories leading to them, nothing else") {
        Tree tree;
        tree.file("etc/ssl/certs/ca-certificates.crt", 5);
        tree.file("usr/lib/os-release", 3);
        tree.file("usr/lib/x86_64-linux-gnu/libc.so.6", 100);
        tree.file("usr/share/zoneinfo/UTC", 4);
        tree.file("usr/share/doc/tzdata/copyright", 2);
        tree.file("usr/share/doc/libc6/copyright", 2);
        tree.file("usr/bin/openssl", 50);
        tree.link("../usr/lib/os-release", "etc/os-release");
        tree.link("usr/bin", "bin");
        tree.link("/", "outside-link");
        auto result = keep_only(
            tree.root, {"etc", "usr/lib/os-release", "usr/share/zoneinfo", "usr/share/doc/*/copyright"});
        CHECK(tree.entries() == Strings{"etc/", "etc/os-release", "etc/ssl/", "etc/ssl/certs/",
                                        "etc/ssl/certs/ca-certificates.crt", "usr/", "usr/lib/",
                                        "usr/lib/os-release", "usr/share/", "usr/share/doc/",
                                        "usr/share/doc/libc6/", "usr/share/doc/libc6/copyright",
                                        "usr/share/doc/tzdata/", "usr/share/doc/tzdata/copyright",
                                        "usr/share/zoneinfo/", "usr/share/zoneinfo/UTC"});
        CHECK(result.bytes == 150);
        CHECK(stdfs::exists(tree.outside));  // the symlink to / went, not what it points to
    }
}
