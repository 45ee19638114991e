#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/resolver.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;

namespace {

using Strings = std::vector<std::string>;

// A real x86_64 shared library of the host, and the same bytes claiming to be aarch64.
const std::string& x86_64_elf() {
    static const std::string bytes = fs::read_file("/usr/lib/x86_64-linux-gnu/libz.so.1");
    return bytes;
}
std::string aarch64_elf() {
    std::string bytes = x86_64_elf();
    bytes[18] = static_cast<char>(183);  // e_machine EM_AARCH64, little endian
    bytes[19] = 0;
    return bytes;
}

void file(const stdfs::path& path, const std::string& content) {
    fs::make_dirs(path.parent_path());
    fs::write_file_atomic(path, content);
}
void symlink(const std::string& target, const stdfs::path& link) {
    fs::make_dirs(link.parent_path());
    stdfs::create_symlink(target, link);
}
// An overlayfs whiteout: a character device 0/0.
void whiteout(const stdfs::path& path) {
    fs::make_dirs(path.parent_path());
    REQUIRE(::mknod(path.c_str(), S_IFCHR | 0000, makedev(0, 0)) == 0);
}
// An overlayfs opaque directory: the layers below do not show through it.
void opaque_dir(const stdfs::path& path, const char* xattr) {
    fs::make_dirs(path);
    REQUIRE(::setxattr(path.c_str(), xattr, "y", 1, 0) == 0);
}

// Two layers of a Debian-like amd64 stage (upper first, as the sandbox stacks them).
struct Stage {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-resolver-test-"};
    stdfs::path upper = dir.path() / "upper";
    stdfs::path lower = dir.path() / "lower";
    const std::string multiarch = "usr/lib/x86_64-linux-gnu/";

    Stage() {
        fs::make_dirs(upper);
        fs::make_dirs(lower);
        // Merged /usr and a versioned library behind its soname link.
        symlink("usr/lib", lower / "lib");
        file(lower / multiarch / "libfoo.so.1.2.3", x86_64_elf());
        symlink("libfoo.so.1.2.3", lower / multiarch / "libfoo.so.1");
        // An absolute symlink, to a file only the stage has.
        file(lower / "opt/vendor/lib/libabs.so.1.0", x86_64_elf());
        symlink("/opt/vendor/lib/libabs.so.1.0", lower / multiarch / "libabs.so.1");
        // Symlinks aiming at the host's /etc/passwd.
        file(lower / "etc/passwd", "root:x:0:0:stage:/root:/bin/sh\n");
        symlink("/etc/passwd", lower / multiarch / "libpw.so.1");
        symlink("../../../../../../../../etc/passwd", lower / multiarch / "libup.so.1");
        // A loop.
        symlink("libloop.so.2", lower / multiarch / "libloop.so.1");
        symlink("./libloop.so.1", lower / multiarch / "libloop.so.2");
        // Whited out in the upper layer; a copy remains in /usr/lib.
        file(lower / multiarch / "libgone.so.1", x86_64_elf());
        whiteout(upper / multiarch / "libgone.so.1");
        file(lower / "usr/lib/libgone.so.1", x86_64_elf());
        // Only in the upper layer.
        file(upper / multiarch / "libnew.so.1", x86_64_elf());
        // The same soname in several directories.
        file(lower / "opt/second/libdup.so.1", x86_64_elf());
        file(lower / multiarch / "libdup.so.1", x86_64_elf());
        file(lower / "opt/rpath/libdup.so.1", x86_64_elf());
        // Not ELF, wrong machine, then right.
        file(upper / "opt/first/libmix.so.1", "INPUT(libmix.so.1.0)\n");
        file(lower / "opt/second/libmix.so.1", aarch64_elf());
        file(lower / multiarch / "libmix.so.1", x86_64_elf());
        // A directory named like a library.
        fs::make_dirs(lower / multiarch / "libdir.so.1");
        file(lower / "usr/lib/libdir.so.1", x86_64_elf());
        // ld.so.conf.d across the layers.
        file(lower / "etc/ld.so.conf.d/x86_64-linux-gnu.conf",
             "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n"
             "/usr/lib/x86_64-linux-gnu\n");
        file(lower / "etc/ld.so.conf.d/20-second.conf",
             "  /opt/second   # vendor\n\n# a comment\nrelative\n");
        file(upper / "etc/ld.so.conf.d/10-first.conf", "/opt/first\r\n");
        file(lower / "etc/ld.so.conf.d/05-overridden.conf", "/opt/lower-version\n");
        file(upper / "etc/ld.so.conf.d/05-overridden.conf", "/opt/upper-version\n");
        file(lower / "etc/ld.so.conf.d/30-hidden.conf", "/opt/hidden\n");
        whiteout(upper / "etc/ld.so.conf.d/30-hidden.conf");
        file(lower / "etc/ld.so.conf.d/README", "/opt/readme\n");
    }

    elf::LibraryResolver resolver(const char* arch = "amd64") const {
        return elf::LibraryResolver({upper, lower}, arch_from_name(arch));
    }
};

}  // namespace

TEST_SUITE("elf resolver") {
    TEST_CASE("search directories: ld.so.conf.d files in name order across layers, then the defaults") {
        Stage stage;
        CHECK(stage.resolver().search_dirs() == Strings{"/opt/upper-version", "/opt/first", "/opt/second",
                                                        "/usr/local/lib/x86_64-linux-gnu",
                                                        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                                        "/lib", "/usr/lib", "/lib64", "/usr/lib64"});
        // A 32-bit arch has no lib64 directories.
        CHECK(stage.resolver("armhf").search_dirs() ==
              Strings{"/opt/upper-version", "/opt/first", "/opt/second", "/usr/local/lib/x86_64-linux-gnu",
                      "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/arm-linux-gnueabihf",
                      "/usr/lib/arm-linux-gnueabihf", "/lib", "/usr/lib"});
    }

    TEST_CASE("a symlink chain resolves inside the stage") {
        Stage stage;
        auto found = stage.resolver().find("libfoo.so.1");
        REQUIRE(found);
        // /lib/x86_64-linux-gnu comes before /usr/lib/x86_64-linux-gnu; /lib is a link to usr/lib.
        CHECK(found->stage_path == "/lib/x86_64-linux-gnu/libfoo.so.1");
        CHECK(found->host_path == stage.lower / "usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3");
    }

    TEST_CASE("an absolute symlink is resolved in the stage, not on the host") {
        Stage stage;
        auto found = stage.resolver().find("libabs.so.1");
        REQUIRE(found);
        CHECK(found->host_path == stage.lower / "opt/vendor/lib/libabs.so.1.0");
        CHECK(found->stage_path == "/lib/x86_64-linux-gnu/libabs.so.1");
    }

    TEST_CASE("host_path never leaves the stage") {
        Stage stage;
        auto resolver = stage.resolver();
        const stdfs::path stage_passwd = stage.lower / "etc/passwd";
        CHECK(resolver.host_path("/usr/lib/x86_64-linux-gnu/libpw.so.1") == stage_passwd);
        CHECK(resolver.host_path("/usr/lib/x86_64-linux-gnu/libup.so.1") == stage_passwd);
        CHECK(resolver.host_path("/../../../etc/passwd") == stage_passwd);
        CHECK(resolver.host_path("etc/passwd") == stage_passwd);
        CHECK(resolver.host_path("/lib/../../etc/./passwd") == stage_passwd);
        // Not ELF: find() refuses what host_path finds.
        CHECK_FALSE(resolver.find("libpw.so.1"));
        CHECK_FALSE(resolver.host_path("/etc/shadow"));
    }

    TEST_CASE("a path ending in '..' names the directory it leads to") {
        Stage stage;
        auto resolver = stage.resolver();
        // Both layers have usr/lib: the topmost one names the directory, as for any directory.
        CHECK(resolver.host_path("/usr/lib/x86_64-linux-gnu") == stage.upper / "usr/lib/x86_64-linux-gnu");
        CHECK(resolver.host_path("/usr/lib/x86_64-linux-gnu/..") == stage.upper / "usr/lib");
        CHECK(resolver.host_path("/lib/x86_64-linux-gnu/..") == stage.upper / "usr/lib");
        CHECK(resolver.host_path("/opt/vendor/lib/..") == stage.lower / "opt/vendor");
        // Only the stage's root is left: the bottom layer names it.
        CHECK(resolver.host_path("/usr/..") == stage.lower);
    }

    TEST_CASE("a whiteout in the upper layer hides the lower file") {
        Stage stage;
        auto resolver = stage.resolver();
        CHECK_FALSE(resolver.host_path("/usr/lib/x86_64-linux-gnu/libgone.so.1"));
        auto found = resolver.find("libgone.so.1");
        REQUIRE(found);
        CHECK(found->stage_path == "/lib/libgone.so.1");
        CHECK(found->host_path == stage.lower / "usr/lib/libgone.so.1");
        // Directories merge: the upper layer's file shows next to the lower layer's.
        auto added = resolver.find("libnew.so.1");
        REQUIRE(added);
        CHECK(added->host_path == stage.upper / "usr/lib/x86_64-linux-gnu/libnew.so.1");
        // A whited-out ld.so.conf.d file adds no directory (checked above: no /opt/hidden).
    }

    TEST_CASE("ld.so.conf.d order decides between directories, and rpath dirs come first") {
        Stage stage;
        auto resolver = stage.resolver();
        auto found = resolver.find("libdup.so.1");
        REQUIRE(found);
        CHECK(found->stage_path == "/opt/second/libdup.so.1");
        CHECK(found->host_path == stage.lower / "opt/second/libdup.so.1");
        auto rpath = resolver.find("libdup.so.1", {"/opt/rpath/"});
        REQUIRE(rpath);
        CHECK(rpath->stage_path == "/opt/rpath/libdup.so.1");
        auto missing_rpath = resolver.find("libdup.so.1", {"/opt/nowhere"});
        REQUIRE(missing_rpath);
        CHECK(missing_rpath->stage_path == "/opt/second/libdup.so.1");
    }

    TEST_CASE("files that are not ELF, of another machine, or directories are skipped") {
        Stage stage;
        auto found = stage.resolver().find("libmix.so.1");
        REQUIRE(found);
        CHECK(found->stage_path == "/lib/x86_64-linux-gnu/libmix.so.1");
        CHECK(found->host_path == stage.lower / "usr/lib/x86_64-linux-gnu/libmix.so.1");
        // For arm64, the aarch64 file in /opt/second is the one.
        auto arm = stage.resolver("arm64").find("libmix.so.1");
        REQUIRE(arm);
        CHECK(arm->stage_path == "/opt/second/libmix.so.1");
        // No x86_64 libfoo for an arm64 stage.
        CHECK_FALSE(stage.resolver("arm64").find("libfoo.so.1"));
        auto dir = stage.resolver().find("libdir.so.1");
        REQUIRE(dir);
        CHECK(dir->stage_path == "/lib/libdir.so.1");
    }

    TEST_CASE("a symlink loop is not found") {
        Stage stage;
        auto resolver = stage.resolver();
        CHECK_FALSE(resolver.host_path("/usr/lib/x86_64-linux-gnu/libloop.so.1"));
        CHECK_FALSE(resolver.find("libloop.so.1"));
    }

    TEST_CASE("a path with a slash is looked up as it is") {
        Stage stage;
        auto resolver = stage.resolver();
        auto found = resolver.find("/lib/x86_64-linux-gnu/libfoo.so.1");
        REQUIRE(found);
        CHECK(found->stage_path == "/lib/x86_64-linux-gnu/libfoo.so.1");
        CHECK(found->host_path == stage.lower / "usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3");
        CHECK_FALSE(resolver.find("/opt/second/libmix.so.1"));  // aarch64
        CHECK_FALSE(resolver.find("libnothere.so.1"));
    }

    TEST_CASE("a lower layer does not show through an upper layer's non-directory") {
        // The host symlink below must never be followed: overlayfs shows the upper directory only.
        fs::TempDir outside(stdfs::temp_directory_path(), "xbuild-resolver-outside-");
        file(outside.path() / "libsecret.so.1", x86_64_elf());
        Stage stage;
        symlink(outside.path().string(), stage.lower / "opt/data");
        file(stage.upper / "opt/data/readme", "upper\n");
        auto resolver = stage.resolver();
        CHECK(resolver.host_path("/opt/data/readme") == stage.upper / "opt/data/readme");
        CHECK_FALSE(resolver.host_path("/opt/data/libsecret.so.1"));
        CHECK_FALSE(resolver.find("libsecret.so.1", {"/opt/data"}));
    }

    TEST_CASE("a whiteout in a middle layer hides the directories below it") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-resolver-three-");
        const stdfs::path top = dir.path() / "top", middle = dir.path() / "middle",
                          bottom = dir.path() / "bottom";
        file(top / "opt/x/top.txt", "top\n");
        whiteout(middle / "opt/x");
        file(bottom / "opt/x/libold.so.1", x86_64_elf());
        file(bottom / "opt/y/liby.so.1", x86_64_elf());
        elf::LibraryResolver resolver({top, middle, bottom}, arch_from_name("amd64"));
        CHECK(resolver.host_path("/opt/x/top.txt") == top / "opt/x/top.txt");
        CHECK_FALSE(resolver.host_path("/opt/x/libold.so.1"));
        CHECK_FALSE(resolver.find("libold.so.1", {"/opt/x"}));
        // Other directories still merge through the middle layer.
        CHECK(resolver.host_path("/opt/y/liby.so.1") == bottom / "opt/y/liby.so.1");
    }

    TEST_CASE("an opaque directory hides the lower layers' entries") {
        for (const char* xattr : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
            CAPTURE(xattr);
            if (::geteuid() != 0 && std::string(xattr).starts_with("trusted.")) continue;  // root only
            fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-resolver-opaque-");
            const stdfs::path upper = dir.path() / "upper", lower = dir.path() / "lower";
            opaque_dir(upper / "opt/lib", xattr);
            file(upper / "opt/lib/libnew.so.1", x86_64_elf());
            file(lower / "opt/lib/libold.so.1", x86_64_elf());
            elf::LibraryResolver resolver({upper, lower}, arch_from_name("amd64"));
            CHECK(resolver.host_path("/opt/lib/libnew.so.1") == upper / "opt/lib/libnew.so.1");
            CHECK_FALSE(resolver.host_path("/opt/lib/libold.so.1"));
            CHECK_FALSE(resolver.find("libold.so.1", {"/opt/lib"}));
        }
    }

    TEST_CASE("no layers: nothing is found") {
        elf::LibraryResolver resolver({}, arch_from_name("amd64"));
        CHECK_FALSE(resolver.host_path("/etc/passwd"));
        CHECK_FALSE(resolver.find("libc.so.6"));
        CHECK(resolver.search_dirs() == Strings{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib",
                                                "/usr/lib", "/lib64", "/usr/lib64"});
    }
}
