#include <doctest/doctest.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;

TEST_SUITE("fs") {
    TEST_CASE("write_file_atomic replaces the file and leaves no temp file") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-test-");
        auto file = dir.path() / "a.txt";
        fs::write_file_atomic(file, "one");
        fs::write_file_atomic(file, "two");
        CHECK(fs::read_file(file) == "two");
        int entries = 0;
        for ([[maybe_unused]] const auto& entry : stdfs::directory_iterator(dir.path())) ++entries;
        CHECK(entries == 1);
    }

    TEST_CASE("write_file_atomic never writes through a symlink planted at a temporary name") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-test-");
        const auto victim = dir.path() / "victim";
        fs::write_file_atomic(victim, "keep");
        const auto file = dir.path() / "out.json";
        // The old implementation's name ("<path>.tmp-<pid>"), opened without O_EXCL, followed this link.
        stdfs::create_symlink(victim, dir.path() / ("out.json.tmp-" + std::to_string(::getpid())));
        fs::write_file_atomic(file, "new", 0640);
        CHECK(fs::read_file(victim) == "keep");
        CHECK(fs::read_file(file) == "new");
        CHECK((stdfs::status(file).permissions() & stdfs::perms::all) ==
              (stdfs::perms::owner_read | stdfs::perms::owner_write | stdfs::perms::group_read));
        fs::copy_file_atomic(file, dir.path() / "copy.json");  // the mode goes with the content
        CHECK(stdfs::status(dir.path() / "copy.json").permissions() == stdfs::status(file).permissions());
    }

    TEST_CASE("append_file appends, and a path it cannot write is an error naming it") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-test-");
        auto file = dir.path() / "build.log";
        fs::append_file(file, "# header\n");
        fs::append_file(file, "line\n");
        CHECK(fs::read_file(file) == "# header\nline\n");
        CHECK_THROWS_WITH_AS(fs::append_file(dir.path() / "missing" / "x.log", "lost"),
                             doctest::Contains((dir.path().string() + "/missing/x.log").c_str()), Error);
        stdfs::create_symlink(file, dir.path() / "link.log");  // never written through a symlink
        CHECK_THROWS_AS(fs::append_file(dir.path() / "link.log", "x"), Error);
        CHECK(fs::read_file(file) == "# header\nline\n");
    }

    TEST_CASE("remove_tree removes unreadable directories, nested ones too, as their owner") {
        // An unprivileged sandbox leaves its overlay's work/work at mode 0. Root reads through any mode,
        // so the removal runs in a child as an unprivileged owner of the tree.
        const uid_t nobody = 65534;
        fs::TempDir parent(stdfs::temp_directory_path(), "xbuild-fs-dnr-");
        const stdfs::path tree = parent.path() / "tree";
        fs::make_dirs(tree / "work" / "work" / "incompat" / "volatile");
        fs::write_file_atomic(tree / "work" / "work" / "incompat" / "f", "x");
        if (::getuid() == 0) {
            for (const auto& entry : stdfs::recursive_directory_iterator(parent.path()))
                REQUIRE(::lchown(entry.path().c_str(), nobody, nobody) == 0);
            REQUIRE(::chown(parent.path().c_str(), nobody, nobody) == 0);
        }
        ::chmod((tree / "work" / "work" / "incompat").c_str(), 0);
        ::chmod((tree / "work" / "work").c_str(), 0);
        const pid_t pid = ::fork();
        if (pid == 0) {
            if (::getuid() == 0 &&
                (::setgroups(0, nullptr) != 0 || ::setgid(nobody) != 0 || ::setuid(nobody) != 0))
                ::_exit(2);
            try {
                fs::remove_tree(tree);
            } catch (const Error&) {
                ::_exit(1);
            }
            ::_exit(stdfs::exists(tree) ? 3 : 0);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }

    TEST_CASE("remove_tree removes read-only directories and does not follow symlinks") {
        fs::TempDir outside(stdfs::temp_directory_path(), "xbuild-fs-outside-");
        fs::write_file_atomic(outside.path() / "keep", "x");
        stdfs::path tree;
        {
            fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-tree-");
            tree = dir.path();
            fs::make_dirs(tree / "ro" / "sub");
            fs::write_file_atomic(tree / "ro" / "sub" / "f", "x");
            stdfs::create_directory_symlink(outside.path(), tree / "link");
            ::chmod((tree / "ro" / "sub").c_str(), 0555);
            ::chmod((tree / "ro").c_str(), 0555);
        }  // TempDir's destructor calls remove_tree
        CHECK_FALSE(stdfs::exists(tree));
        CHECK(stdfs::exists(outside.path() / "keep"));
    }

    TEST_CASE("read_file names the missing path") {
        try {
            fs::read_file("/nonexistent/xbuild");
            FAIL("no error");
        } catch (const Error& error) {
            CHECK(std::string(error.what()).find("/nonexistent/xbuild") != std::string::npos);
        }
    }

    TEST_CASE("read_file_limited, copy_file_content, make_temp_file, TempDir moves") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-test-");
        fs::write_file_atomic(dir.path() / "f", "twelve bytes");
        CHECK(fs::read_file_limited(dir.path() / "f", 12) == "twelve bytes");
        CHECK_FALSE(fs::read_file_limited(dir.path() / "f", 11).has_value());
        const stdfs::path temp = fs::make_temp_file(dir.path(), "t-");
        CHECK(temp.filename().string().starts_with("t-"));
        CHECK(stdfs::file_size(temp) == 0);
        fs::copy_file_content(dir.path() / "f", temp, 0755);
        CHECK(fs::read_file(temp) == "twelve bytes");
        CHECK((stdfs::status(temp).permissions() & stdfs::perms::owner_exec) != stdfs::perms::none);
        CHECK_THROWS_WITH_AS(fs::copy_file_content(dir.path() / "missing", temp, 0644),
                             doctest::Contains("missing"), Error);
        fs::TempDir a(dir.path(), "a-");
        const stdfs::path first = a.path();
        {
            fs::TempDir b(dir.path(), "b-");
            a = std::move(b);
            CHECK(stdfs::exists(first));  // held by b now, removed with it
        }
        CHECK_FALSE(stdfs::exists(first));
        CHECK(stdfs::exists(a.path()));
    }
    TEST_CASE("copy_tree with exclusions leaves them out, symlinks kept as symlinks, modes kept") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-fs-test-");
        const auto from = dir.path() / "project";
        fs::make_dirs(from / "src/deep");
        fs::make_dirs(from / "build/big");
        fs::write_file_atomic(from / "src/deep/a.c", "int a;");
        fs::write_file_atomic(from / "build/big/obj", "x");
        fs::write_file_atomic(from / "run.sh", "#!/bin/sh\n", 0755);
        fs::write_file_atomic(from / "src/build", "a file named like an excluded directory");
        stdfs::create_symlink("/etc/passwd", from / "link");
        // Named as the caller names them: relative to the working directory, through "..".
        fs::copy_tree(from, dir.path() / "copy", {from / "build", from / "src/../missing"});
        CHECK(fs::read_file(dir.path() / "copy/src/deep/a.c") == "int a;");
        CHECK(stdfs::exists(dir.path() / "copy/src/build"));
        CHECK_FALSE(stdfs::exists(dir.path() / "copy/build"));
        CHECK(stdfs::is_symlink(dir.path() / "copy/link"));
        CHECK(stdfs::read_symlink(dir.path() / "copy/link") == "/etc/passwd");
        struct stat st;
        REQUIRE(::stat((dir.path() / "copy/run.sh").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0755);
        CHECK_THROWS_AS(fs::copy_tree(dir.path() / "nowhere", dir.path() / "copy2", {from / "build"}), Error);
    }
}
