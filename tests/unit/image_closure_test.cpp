// The ELF closure check over layer directories made here: real ELF files built with the host's gcc, the
// host's libc and dynamic loader copied into a merged-/usr base layer, and upper layers that add,
// hide (whiteouts, opaque directories) or replace files.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/elf/elf_file.hpp"
#include "image/closure.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
using xbuild::test::contains;
namespace stdfs = std::filesystem;

namespace {

using xbuild::test::sh;

void file(const stdfs::path& path, const std::string& content, unsigned mode = 0644) {
    fs::make_dirs(path.parent_path());
    fs::write_file_atomic(path, content, mode);
}

void symlink(const std::string& target, const stdfs::path& link) {
    fs::make_dirs(link.parent_path());
    stdfs::create_symlink(target, link);
}

void whiteout(const stdfs::path& path) {
    fs::make_dirs(path.parent_path());
    REQUIRE(::mknod(path.c_str(), S_IFCHR | 0000, makedev(0, 0)) == 0);
}

// Host binaries, compiled once: libinner.so.1, an executable needing it through RUNPATH
// $ORIGIN/../lib, the same through DT_RPATH ${ORIGIN}/../lib, and the host's libc and loader.
struct Binaries {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-closure-bin-"};
    std::string inner, app, app_rpath, app_dollar, libc, loader;
    std::string interpreter;  // the executables' PT_INTERP: "/lib64/ld-linux-x86-64.so.2"

    Binaries() {
        const std::string d = dir.path().string();
        // inner calls libc, so that it needs libc.so.6 with or without --as-needed.
        fs::write_file_atomic(dir.path() / "inner.c",
                              "#include <unistd.h>\nint inner(void) { return getpid() > 0 ? 7 : 0; }\n");
        fs::write_file_atomic(dir.path() / "app.c", "int inner(void);\nint main(void) { return inner(); }\n");
        sh("cd " + d + " && gcc -shared -fPIC -Wl,-soname,libinner.so.1 -o libinner.so.1 inner.c");
        sh("cd " + d +
           " && gcc -o app app.c -L. -l:libinner.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'");
        sh("cd " + d +
           " && gcc -o app-rpath app.c -L. -l:libinner.so.1 "
           "-Wl,--disable-new-dtags,-rpath,'${ORIGIN}/../lib'");
        // An executable whose DT_NEEDED is a path with $ORIGIN in it (the soname it linked against).
        sh("cd " + d +
           " && mkdir -p dollar && gcc -shared -fPIC -Wl,-soname,'$ORIGIN/../lib/libinner.so.1' " +
           "-o dollar/libinner.so inner.c && gcc -o app-dollar app.c -Ldollar -linner");
        inner = fs::read_file(dir.path() / "libinner.so.1");
        app_dollar = fs::read_file(dir.path() / "app-dollar");
        app = fs::read_file(dir.path() / "app");
        app_rpath = fs::read_file(dir.path() / "app-rpath");
        interpreter = elf::parse_elf(app, "app").interpreter;
        REQUIRE(interpreter.starts_with("/"));
        std::string libc_path = process::capture({"gcc", "-print-file-name=libc.so.6"});
        while (!libc_path.empty() && libc_path.back() == '\n') libc_path.pop_back();
        libc = fs::read_file(stdfs::canonical(libc_path));
        loader = fs::read_file(stdfs::canonical(interpreter));
    }
};

const Binaries& binaries() {
    static const Binaries built;
    return built;
}

// An image: base (libc and the loader, merged /usr), deps (libinner in /opt/app/lib), app (the
// executable in /opt/app/bin); layers() lists them topmost first.
struct Image {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-closure-test-"};
    stdfs::path base = dir.path() / "base", deps = dir.path() / "deps", app = dir.path() / "app";
    const Arch& arch = host_arch();
    const std::string libdir = "usr/lib/" + std::string(host_arch().gnu_triplet);

    Image() {
        const Binaries& bin = binaries();
        for (const auto& layer : {base, deps, app}) fs::make_dirs(layer);
        // /lib -> usr/lib and /lib64 -> usr/lib64, the loader behind its PT_INTERP path.
        symlink("usr/lib", base / "lib");
        symlink("usr/lib64", base / "lib64");
        const stdfs::path interp(bin.interpreter);
        file(base / "usr" / interp.relative_path().parent_path().filename() / interp.filename(), bin.loader,
             0755);
        file(base / libdir / "libc.so.6", bin.libc, 0755);
        file(base / "etc/ld.so.conf.d/libc.conf", "/usr/local/lib\n");
        file(base / "usr/share/doc/README", "not ELF\n");
        symlink("/etc/shadow", base / "usr/share/doc/link");
        file(deps / "opt/app/lib/libinner.so.1", bin.inner, 0755);
        file(app / "opt/app/bin/app", bin.app, 0755);
    }

    std::vector<stdfs::path> layers() const { return {app, deps, base}; }
};

}  // namespace

TEST_SUITE("runtime closure") {
    TEST_CASE("a complete image: every interpreter and needed library resolves inside it") {
        Image image;
        ClosureReport report = check_closure(image.layers(), image.arch);
        CHECK(report.ok());
        CHECK(report.missing.empty());
        CHECK(report.files == 6);      // loader, libc, ld.so.conf.d/libc.conf, README, libinner, app
        CHECK(report.elf_files == 4);  // loader, libc, libinner, app
        CHECK(report.checked == 3);    // libc, libinner, app; the loader links nothing: not checked
        CHECK(report.foreign_elf == 0);
        CHECK(describe_missing(report).empty());
    }

    TEST_CASE("a library in no layer is missing; the message names the package that has it") {
        Image image;
        ClosureReport report = check_closure({image.app, image.base}, image.arch);
        REQUIRE(report.missing.size() == 1);
        CHECK(report.missing[0] == MissingLibrary{"/opt/app/bin/app", "libinner.so.1", false});
        CHECK(report.missing_sonames() == std::vector<std::string>{"libinner.so.1"});
        CHECK(describe_missing(report) == "/opt/app/bin/app needs libinner.so.1, which is not in the image");
        CHECK(describe_missing(report, {{"libinner.so.1", {"libinner1"}}}) ==
              "/opt/app/bin/app needs libinner.so.1, which is not in the image: it is in the Debian package "
              "libinner1; add it to `packages` in xbuild.toml");
        CHECK(describe_missing(report, {{"libinner.so.1", {"a1", "b1"}}}) ==
              "/opt/app/bin/app needs libinner.so.1, which is not in the image: it is in the Debian packages "
              "a1, b1; add one of them to `packages` in xbuild.toml");
        CHECK(describe_missing(report, {{"libinner.so.1", {}}}) ==
              "/opt/app/bin/app needs libinner.so.1, which is not in the image; no Debian package ships it "
              "in a "
              "library directory");
    }

    TEST_CASE("RPATH with ${ORIGIN} resolves; without the rpath the library is not found in /opt") {
        Image image;
        file(image.app / "opt/app/bin/app", binaries().app_rpath, 0755);
        CHECK(check_closure(image.layers(), image.arch).ok());
        // The same executable one directory up: ${ORIGIN}/../lib is /opt/lib, which does not exist.
        stdfs::rename(image.app / "opt/app/bin/app", image.app / "opt/app/app");
        auto report = check_closure(image.layers(), image.arch);
        REQUIRE(report.missing.size() == 1);
        CHECK(report.missing[0].file == "/opt/app/app");
        // ld.so.conf.d directories count: /usr/local/lib is searched.
        file(image.deps / "usr/local/lib/libinner.so.1", binaries().inner, 0755);
        CHECK(check_closure(image.layers(), image.arch).ok());
    }

    TEST_CASE("a DT_NEEDED path with $ORIGIN is expanded like an rpath") {
        Image image;
        REQUIRE(elf::parse_elf(binaries().app_dollar, "app-dollar").needed.front() ==
                "$ORIGIN/../lib/libinner.so.1");
        file(image.app / "opt/app/bin/app-dollar", binaries().app_dollar, 0755);
        CHECK(check_closure(image.layers(), image.arch).ok());
        file(image.app / "opt/app-dollar", binaries().app_dollar, 0755);  // /lib/libinner.so.1: absent
        auto report = check_closure(image.layers(), image.arch);
        REQUIRE(report.missing.size() == 1);
        CHECK(report.missing[0] == MissingLibrary{"/opt/app-dollar", "$ORIGIN/../lib/libinner.so.1", false});
        CHECK(report.missing_sonames().empty());  // a path, not a soname to look a package up for
    }

    TEST_CASE("a whiteout or an opaque directory in an upper layer hides the lower library") {
        Image image;
        whiteout(image.app / "opt/app/lib/libinner.so.1");
        auto report = check_closure(image.layers(), image.arch);
        REQUIRE(report.missing.size() == 1);
        CHECK(report.missing[0].soname == "libinner.so.1");
        CHECK(report.files == 5);  // the whited-out file is not in the image

        Image opaque;
        fs::make_dirs(opaque.app / "opt/app/lib");
        if (::setxattr((opaque.app / "opt/app/lib").c_str(), "user.overlay.opaque", "y", 1, 0) != 0) {
            MESSAGE("no user xattrs in " << opaque.dir.path().string()
                                         << ": the opaque directory case is skipped");
            return;
        }
        file(opaque.app / "opt/app/lib/other.txt", "x\n");
        report = check_closure(opaque.layers(), opaque.arch);
        REQUIRE(report.missing.size() == 1);
        CHECK(report.missing[0] == MissingLibrary{"/opt/app/bin/app", "libinner.so.1", false});
    }

    TEST_CASE(
        "an upper file replaces a lower one of the same path; an upper symlink hides a lower directory") {
        Image image;
        // A corrupt ELF below, replaced by a text file above: only the text file is in the image.
        file(image.base / "opt/app/bin/tool", binaries().inner.substr(0, 100), 0755);
        file(image.app / "opt/app/bin/tool", "#!/bin/sh\n", 0755);
        // A directory below, hidden by a symlink above (never followed).
        file(image.deps / "opt/hidden/libbroken.so", binaries().inner.substr(0, 200));
        symlink("/opt/app/lib", image.app / "opt/hidden");
        CHECK(check_closure(image.layers(), image.arch).ok());
    }

    TEST_CASE("separate debug files under /usr/lib/debug are not walked") {
        Image image;
        // Like objcopy --only-keep-debug output: headers pointing at bytes the file does not hold.
        file(image.app / "usr/lib/debug/.build-id/ab/cdef0123.debug", binaries().app.substr(0, 300));
        auto report = check_closure(image.layers(), image.arch);
        CHECK(report.ok());
        CHECK(report.files == 6);
        // Elsewhere the same bytes are an error.
        file(image.app / "usr/lib/debugger/x.debug", binaries().app.substr(0, 300));
        CHECK_THROWS_WITH_AS(check_closure(image.layers(), image.arch), contains("/usr/lib/debugger/x.debug"),
                             Error);
    }

    TEST_CASE("a missing interpreter is reported as such, and so is libc's need of the loader") {
        Image image;
        const stdfs::path interp(binaries().interpreter);
        stdfs::remove(image.base / "usr" / interp.relative_path().parent_path().filename() /
                      interp.filename());
        auto report = check_closure(image.layers(), image.arch);
        CHECK(report.elf_files == 3);
        const std::string loader_name = interp.filename().string();
        const std::string libc_path = "/" + image.libdir + "/libc.so.6";
        // glibc's libc.so.6 is executable too: it has a PT_INTERP of its own.
        const bool libc_interp = !elf::parse_elf(binaries().libc, "libc").interpreter.empty();
        std::vector<MissingLibrary> expected{{"/opt/app/bin/app", binaries().interpreter, true}};
        if (libc_interp) expected.push_back({libc_path, binaries().interpreter, true});
        expected.push_back({libc_path, loader_name, false});
        CHECK(report.missing == expected);
        CHECK(report.missing_sonames() == std::vector<std::string>{loader_name});
        CHECK(describe_missing(report).starts_with("/opt/app/bin/app needs the dynamic loader " +
                                                   binaries().interpreter + ", which is not in the image\n"));
    }

    TEST_CASE("ELF files of another machine are counted and skipped; non-ELF files are skipped") {
        Image image;
        std::string foreign = binaries().inner;
        foreign[18] = static_cast<char>(0x34);  // e_machine 0x1234: no real machine
        foreign[19] = static_cast<char>(0x12);
        file(image.app / "usr/share/data/blob.so", foreign);
        std::string big_endian = binaries().inner;
        big_endian[5] = 2;  // ELFDATA2MSB
        file(image.app / "usr/share/data/be.so", big_endian);
        file(image.app / "usr/share/data/short",
             "\x7f"
             "EL");
        auto report = check_closure(image.layers(), image.arch);
        CHECK(report.ok());
        CHECK(report.foreign_elf == 2);
        CHECK(report.elf_files == 4);
        CHECK(report.files == 9);
    }

    TEST_CASE("a malformed ELF of the image's machine is an error naming its image path") {
        Image image;
        file(image.app / "opt/app/bin/broken", binaries().app.substr(0, 300), 0755);
        CHECK_THROWS_WITH_AS(check_closure(image.layers(), image.arch),
                             contains("/opt/app/bin/broken (in the layer "), Error);
        Image header;
        file(header.app / "opt/app/bin/stub",
             std::string("\x7f"
                         "ELF\x02\x01\x01",
                         7),
             0755);
        CHECK_THROWS_WITH_AS(
            check_closure(header.layers(), header.arch),
            contains("/opt/app/bin/stub (in the layer " + header.app.string() + "): truncated ELF header"),
            Error);
    }

    TEST_CASE("a layer that is not a directory is an error naming it") {
        Image image;
        CHECK_THROWS_WITH_AS(check_closure({image.dir.path() / "nope", image.base}, image.arch),
                             contains("closure check: the layer " + (image.dir.path() / "nope").string() +
                                      " is not a directory"),
                             Error);
        file(image.dir.path() / "plain", "x");
        CHECK_THROWS_AS(check_closure({image.dir.path() / "plain"}, image.arch), Error);
        // No layers: an empty image.
        ClosureReport empty = check_closure({}, image.arch);
        CHECK(empty.files == 0);
        CHECK(empty.ok());
    }

    TEST_CASE("the report is sorted by file, then soname, without duplicates") {
        Image image;
        stdfs::remove(image.deps / "opt/app/lib/libinner.so.1");
        file(image.app / "opt/app/bin/b-app", binaries().app, 0755);
        file(image.app / "opt/app/bin/a-app", binaries().app, 0755);
        auto report = check_closure(image.layers(), image.arch);
        REQUIRE(report.missing.size() == 3);
        CHECK(report.missing[0].file == "/opt/app/bin/a-app");
        CHECK(report.missing[1].file == "/opt/app/bin/app");
        CHECK(report.missing[2].file == "/opt/app/bin/b-app");
        CHECK(report.missing_sonames() == std::vector<std::string>{"libinner.so.1"});
    }
}
