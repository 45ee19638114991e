#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/tree_digest.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;

namespace {

struct Tree {
    fs::TempDir temp{stdfs::temp_directory_path(), "xbuild-digest-test-"};
    stdfs::path root = temp.path() / "src";

    Tree() {
        write("pyproject.toml", "[build-system]\nrequires = []\n");
        write("pkg/__init__.py", "");
        write("pkg/mod.py", "print('hi')\n");
        write("run.sh", "#!/bin/sh\n", 0755);
        stdfs::create_symlink("pkg/mod.py", root / "link.py");
    }
    void write(const std::string& name, const std::string& content, unsigned mode = 0644) const {
        fs::make_dirs((root / name).parent_path());
        fs::write_file_atomic(root / name, content, mode);
    }
    std::string digest() const { return fs::tree_digest(root); }
};

}  // namespace

TEST_SUITE("tree digest") {
    TEST_CASE("stable across calls, 64 hex digits") {
        Tree tree;
        const std::string first = tree.digest();
        CHECK(first.size() == 64);
        CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
        CHECK(tree.digest() == first);
        // The same tree elsewhere, written in another order, has the same digest.
        fs::TempDir other(stdfs::temp_directory_path(), "xbuild-digest-other-");
        fs::make_dirs(other.path() / "pkg");
        stdfs::create_symlink("pkg/mod.py", other.path() / "link.py");
        fs::write_file_atomic(other.path() / "run.sh", "#!/bin/sh\n", 0755);
        fs::write_file_atomic(other.path() / "pkg/mod.py", "print('hi')\n");
        fs::write_file_atomic(other.path() / "pkg/__init__.py", "");
        fs::write_file_atomic(other.path() / "pyproject.toml", "[build-system]\nrequires = []\n");
        CHECK(fs::tree_digest(other.path()) == first);
        // A path that is not canonical names the same tree.
        CHECK(fs::tree_digest(tree.root / "pkg" / "..") == first);
    }

    TEST_CASE("content changes the digest") {
        Tree tree;
        const std::string before = tree.digest();
        tree.write("pkg/mod.py", "print('hi!')\n");
        CHECK(tree.digest() != before);
        tree.write("pkg/mod.py", "print('hi')\n");
        CHECK(tree.digest() == before);
    }

    TEST_CASE("moving bytes between adjacent files changes the digest") {
        Tree tree;
        tree.write("a", "xy");
        tree.write("b", "z");
        const std::string before = tree.digest();
        tree.write("a", "x");
        tree.write("b", "yz");
        CHECK(tree.digest() != before);
    }

    TEST_CASE("the executable bit changes the digest; other mode bits do not") {
        Tree tree;
        const std::string before = tree.digest();
        stdfs::permissions(tree.root / "pkg/mod.py", stdfs::perms::owner_exec, stdfs::perm_options::add);
        const std::string executable = tree.digest();
        CHECK(executable != before);
        stdfs::permissions(tree.root / "pkg/mod.py", stdfs::perms::owner_exec, stdfs::perm_options::remove);
        CHECK(tree.digest() == before);
        stdfs::permissions(tree.root / "pkg/mod.py", stdfs::perms::group_write, stdfs::perm_options::add);
        CHECK(tree.digest() == before);
    }

    TEST_CASE("a file name changes the digest") {
        Tree tree;
        const std::string before = tree.digest();
        stdfs::rename(tree.root / "pkg/mod.py", tree.root / "pkg/mod2.py");
        CHECK(tree.digest() != before);
        stdfs::rename(tree.root / "pkg/mod2.py", tree.root / "pkg/mod.py");
        CHECK(tree.digest() == before);
        // An empty directory counts too.
        fs::make_dirs(tree.root / "empty");
        CHECK(tree.digest() != before);
    }

    TEST_CASE("a symlink's target changes the digest; the file it points to is not read through it") {
        Tree tree;
        const std::string before = tree.digest();
        stdfs::remove(tree.root / "link.py");
        stdfs::create_symlink("pkg/__init__.py", tree.root / "link.py");
        CHECK(tree.digest() != before);
        stdfs::remove(tree.root / "link.py");
        stdfs::create_symlink("pkg/mod.py", tree.root / "link.py");
        CHECK(tree.digest() == before);
        // A symlink to a directory outside the tree is hashed as a link, not walked.
        fs::TempDir outside(stdfs::temp_directory_path(), "xbuild-digest-outside-");
        stdfs::create_directory_symlink(outside.path(), tree.root / "out");
        const std::string with_link = tree.digest();
        fs::write_file_atomic(outside.path() / "f", "changes outside");
        CHECK(tree.digest() == with_link);
    }

    TEST_CASE(".git, .hg, .svn, __pycache__ and *.egg-info are ignored, at any depth") {
        Tree tree;
        const std::string before = tree.digest();
        tree.write(".git/HEAD", "ref: refs/heads/main\n");
        tree.write(".hg/store", "x");
        tree.write(".svn/entries", "x");
        tree.write("__pycache__/mod.cpython-313.pyc", "x");
        tree.write("pkg/__pycache__/mod.cpython-313.pyc", "x");
        tree.write("pkg.egg-info/PKG-INFO", "x");
        tree.write("pkg/vendored.egg-info/PKG-INFO", "x");
        tree.write("pkg/.git", "gitdir: elsewhere\n");  // a submodule's file
        CHECK(tree.digest() == before);
        // Names that only look similar count.
        tree.write(".egg-info", "x");  // no stem: not an egg-info directory
        CHECK(tree.digest() != before);
    }

    TEST_CASE("excluded paths are ignored, given in any spelling") {
        Tree tree;
        const std::string before = tree.digest();
        tree.write("build/lib/out.so", "x");
        tree.write("wheelhouse/a.whl", "x");
        CHECK(tree.digest() != before);
        CHECK(fs::tree_digest(tree.root, {tree.root / "build", tree.root / "pkg/../wheelhouse"}) == before);
        // Only the named paths: excluding one leaves the other.
        CHECK(fs::tree_digest(tree.root, {tree.root / "build"}) != before);
        // A nested file can be excluded too.
        CHECK(fs::tree_digest(tree.root, {tree.root / "pkg/mod.py", tree.root / "build",
                                          tree.root / "wheelhouse"}) != before);
        CHECK(fs::tree_digest(tree.root,
                              {tree.root / "pkg/mod.py", tree.root / "build", tree.root / "wheelhouse"}) ==
              fs::tree_digest(tree.root, {tree.root / "pkg/mod.py", tree.root / "build/lib",
                                          tree.root / "build", tree.root / "wheelhouse"}));
    }

    TEST_CASE("a missing root is an error") {
        fs::TempDir temp(stdfs::temp_directory_path(), "xbuild-digest-missing-");
        CHECK_THROWS(fs::tree_digest(temp.path() / "absent"));
    }
}
