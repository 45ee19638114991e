#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/elf_file.hpp"
#include "builder/elf/graft.hpp"
#include "builder/elf/resolver.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::elf;
namespace stdfs = std::filesystem;
using xbuild::test::contains;

namespace {

using xbuild::test::sh;

// Host binaries: libinner.so.1, libouter.so.2 needing it, and an addon needing libouter.
struct Built {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-graft-test-"};
    stdfs::path stage = dir.path() / "stage";
    stdfs::path addon;
    Built() {
        const std::string d = dir.path().string();
        const stdfs::path libdir = stage / "usr/lib/x86_64-linux-gnu";
        fs::make_dirs(libdir);
        fs::write_file_atomic(dir.path() / "inner.c", "int inner(void) { return 7; }\n");
        fs::write_file_atomic(dir.path() / "outer.c",
                              "int inner(void);\nint outer(void) { return inner(); }\n");
        fs::write_file_atomic(dir.path() / "addon.c",
                              "int outer(void);\nint addon(void) { return outer(); }\n");
        sh("cd " + d + " && gcc -shared -fPIC -Wl,-soname,libinner.so.1 -o " +
           (libdir / "libinner.so.1").string() + " inner.c");
        sh("cd " + d + " && gcc -shared -fPIC -Wl,-soname,libouter.so.2 -o " +
           (libdir / "libouter.so.2").string() + " outer.c -L" + libdir.string() + " -l:libinner.so.1");
        sh("cd " + d + " && gcc -shared -fPIC -o addon.node addon.c -L" + libdir.string() +
           " -l:libouter.so.2");
        addon = dir.path() / "addon.node";
    }
};

bool glibc(std::string_view soname) {
    return soname == "libc.so.6";
}

}  // namespace

TEST_SUITE("elf graft") {
    TEST_CASE("hashed_soname puts the first 8 hex digits of the content's sha256 before .so") {
        // sha256("abc") = ba7816bf 8f01cfea ...; sha256("") = e3b0c442 98fc1c14 ...
        CHECK(hashed_soname("libyaml-0.so.2", "abc") == "libyaml-0-ba7816bf.so.2");
        CHECK(hashed_soname("libyaml-0.so.2", "") == "libyaml-0-e3b0c442.so.2");
        CHECK(hashed_soname("libfoo.so", "abc") == "libfoo-ba7816bf.so");
        CHECK(hashed_soname("libstdc++.so.6.0.30", "abc") == "libstdc++-ba7816bf.so.6.0.30");
        CHECK(hashed_soname("libfoo", "abc") == "libfoo-ba7816bf");
        // Unique per content.
        CHECK(hashed_soname("libyaml-0.so.2", "abd") != hashed_soname("libyaml-0.so.2", "abc"));
    }

    TEST_CASE("the dynamic loaders are recognised") {
        CHECK(is_dynamic_loader("ld-linux-aarch64.so.1"));
        CHECK(is_dynamic_loader("ld-linux-x86-64.so.2"));
        CHECK(is_dynamic_loader("ld64.so.2"));
        CHECK_FALSE(is_dynamic_loader("libc.so.6"));
    }

    TEST_CASE("grafting beside the file (a prebuild directory): the closure, $ORIGIN, hashed names") {
        Built built;
        const Arch& arch = arch_from_name("x86_64");
        std::vector<ArtifactFile> files{{"pkg.napi.glibc.node", built.addon, 0755}};
        LibraryResolver resolver({built.stage}, arch);
        fs::TempDir work(stdfs::temp_directory_path(), "xbuild-graft-work-");
        const std::string before = fs::read_file(built.addon);
        auto grafted =
            graft_libraries(files, arch, resolver, {"prebuilds/linux-x64", "", glibc, work.path()});
        CHECK(fs::read_file(built.addon) == before);  // patched on a copy
        CHECK(files[0].file.parent_path() == work.path());
        REQUIRE(grafted.size() == 2);
        REQUIRE(files.size() == 3);
        CHECK(grafted[0].soname == "libouter.so.2");
        CHECK(grafted[1].soname == "libinner.so.1");
        CHECK(grafted[0].stage_path == "/usr/lib/x86_64-linux-gnu/libouter.so.2");
        CHECK(grafted[0].new_name.starts_with("libouter-"));
        CHECK(grafted[0].new_name.ends_with(".so.2"));

        auto node = read_elf(files[0].file, "node");
        CHECK(node.needed == std::vector<std::string>{grafted[0].new_name});
        CHECK(node.runpath == std::vector<std::string>{"$ORIGIN"});
        auto outer = read_elf(files[1].file, "outer");
        CHECK(files[1].path == grafted[0].new_name);
        CHECK(outer.soname == grafted[0].new_name);
        CHECK(outer.needed.front() == grafted[1].new_name);
        CHECK(outer.runpath == std::vector<std::string>{"$ORIGIN"});
        CHECK(files[2].mode == 0755);
        // What grafting promises can be checked by the real loader: the addon loads from its directory.
        fs::TempDir out(stdfs::temp_directory_path(), "xbuild-graft-load-");
        for (const auto& file : files) fs::copy_file_content(file.file, out.path() / file.path, file.mode);
        fs::write_file_atomic(
            out.path() / "main.c",
            "#include <dlfcn.h>\n#include <stdio.h>\nint main(int c, char** v) {\n"
            "  void* h = dlopen(v[1], RTLD_NOW); if (!h) { puts(dlerror()); return 1; }\n"
            "  int (*f)(void) = (int (*)(void))dlsym(h, \"addon\"); return f() == 7 ? 0 : 2; }\n");
        sh("cd " + out.path().string() + " && gcc -o main main.c -ldl && ./main " +
           (out.path() / "pkg.napi.glibc.node").string());
    }

    TEST_CASE("a library found nowhere is an error naming the requester; another arch's file is refused") {
        Built built;
        const Arch& arch = arch_from_name("x86_64");
        std::vector<ArtifactFile> files{{"pkg.node", built.addon, 0755}};
        fs::TempDir empty(stdfs::temp_directory_path(), "xbuild-graft-empty-");
        LibraryResolver resolver({empty.path()}, arch);
        CHECK_THROWS_WITH_AS(graft_libraries(files, arch, resolver, {"x", "", glibc, empty.path()}),
                             contains("x: pkg.node needs libouter.so.2, which is not in the policy"), Error);
        CHECK_THROWS_WITH_AS(graft_libraries(files, arch, resolver, {"x", "", glibc}),
                             contains("x: no work directory"), Error);
        CHECK_THROWS_WITH_AS(read_artifact_elfs(files, arch_from_name("arm64"), "x"),
                             contains("x: pkg.node is not a aarch64 ELF file (e_machine 62)"), Error);
    }
}
