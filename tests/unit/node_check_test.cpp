#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/elf_file.hpp"
#include "node/check.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::node;
namespace stdfs = std::filesystem;
using xbuild::test::contains;

namespace {

using xbuild::test::sh;

elf::ElfInfo needing(std::vector<elf::VersionNeed> needs) {
    elf::ElfInfo info;
    info.version_needs = std::move(needs);
    return info;
}

}  // namespace

TEST_SUITE("node check") {
    TEST_CASE("the newest needed version of a namespace compares numerically") {
        std::vector<elf::ElfInfo> infos{
            needing({{"libc.so.6", {"GLIBC_2.2.5", "GLIBC_2.14", "GLIBC_PRIVATE"}}}),
            needing({{"libc.so.6", {"GLIBC_2.3.4"}},
                     {"libstdc++.so.6", {"GLIBCXX_3.4.9", "GLIBCXX_3.4.21", "CXXABI_1.3"}}}),
        };
        CHECK(newest_version_needed(infos, "GLIBC") == "GLIBC_2.14");
        CHECK(newest_version_needed(infos, "GLIBCXX") == "GLIBCXX_3.4.21");
        CHECK(newest_version_needed(infos, "CXXABI") == "CXXABI_1.3");
        CHECK(newest_version_needed(infos, "GCC").empty());
        CHECK(newest_version_needed({}, "GLIBC").empty());
    }

    TEST_CASE("a real addon: the glibc floor, grafting beside it, and the refusals") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-node-check-");
        const std::string d = dir.path().string();
        const stdfs::path libdir = dir.path() / "stage/usr/lib/x86_64-linux-gnu";
        fs::make_dirs(libdir);
        fs::write_file_atomic(dir.path() / "helper.c", "int helper(void) { return 3; }\n");
        fs::write_file_atomic(
            dir.path() / "addon.c",
            "#include <pthread.h>\nint helper(void);\nstatic void* run(void* a) { return a; }\n"
            "int start(void) { pthread_t t; return pthread_create(&t, 0, run, 0) + helper(); }\n");
        sh("cd " + d + " && gcc -shared -fPIC -Wl,-soname,libhelper.so.1 -o " +
           (libdir / "libhelper.so.1").string() + " helper.c");
        sh("cd " + d + " && gcc -shared -fPIC -o addon.node addon.c -L" + libdir.string() +
           " -l:libhelper.so.1");
        const Arch& arch = arch_from_name("x64");
        elf::LibraryResolver resolver({dir.path() / "stage"}, arch);

        auto checked = check_prebuild(dir.path() / "addon.node", arch, resolver,
                                      {"prebuilds/linux-x64/a.napi.glibc.node", "a.napi.glibc.node", false});
        REQUIRE(checked.files.size() == 2);
        CHECK(checked.files[0].path == "a.napi.glibc.node");
        CHECK(checked.files[1].path.starts_with("libhelper-"));
        REQUIRE(checked.grafted.size() == 1);
        CHECK(checked.grafted[0].stage_path == "/usr/lib/x86_64-linux-gnu/libhelper.so.1");
        CHECK(checked.glibc_floor == "2.34");  // pthread_create@GLIBC_2.34 with the host's glibc 2.36
        CHECK(checked.newest_glibcxx.empty());
        auto info = elf::read_elf(checked.files[0].file, "addon");
        CHECK(checked.files[0].file.parent_path() == checked.work.path());  // built itself is left alone
        CHECK(elf::read_elf(dir.path() / "addon.node").runpath.empty());
        CHECK(info.runpath == std::vector<std::string>{"$ORIGIN"});

        CHECK_THROWS_WITH_AS(check_prebuild(dir.path() / "addon.node", arch_from_name("arm64"), resolver,
                                            {"label", "a.napi.glibc.node", false}),
                             contains("label: a.napi.glibc.node is not a aarch64 ELF file"), Error);
        // Debian's node-gyp links -lnode: such a file loads in no other Node.
        sh("cd " + d + " && gcc -shared -fPIC -Wl,-soname,libnode.so.115 -o " +
           (libdir / "libnode.so.115").string() + " helper.c && gcc -shared -fPIC -o linked.node addon.c -L" +
           libdir.string() + " -l:libhelper.so.1 -Wl,--no-as-needed -l:libnode.so.115");
        CHECK_THROWS_WITH_AS(
            check_prebuild(dir.path() / "linked.node", arch, resolver, {"label", "l.node", false}),
            contains("label: links libnode.so.115"), Error);
        fs::write_file_atomic(dir.path() / "text.node", "not an ELF");
        CHECK_THROWS_WITH_AS(
            check_prebuild(dir.path() / "text.node", arch, resolver, {"label", "t.node", false}),
            contains("is not an ELF file"), Error);
    }

    TEST_CASE("real files: Node-API with libuv passes, V8 and symbols only Node defines are refused") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-node-abi-");
        const std::string d = dir.path().string();
        fs::make_dirs(dir.path() / "stage");
        // libuv through Node-API, as fs-native-extensions does: the loop from napi_get_uv_event_loop.
        fs::write_file_atomic(dir.path() / "loop.c",
                              "typedef struct uv_loop_s uv_loop_t; typedef struct uv_work_s uv_work_t;\n"
                              "int napi_get_uv_event_loop(void* env, uv_loop_t** loop);\n"
                              "int uv_queue_work(uv_loop_t*, uv_work_t*, void (*)(uv_work_t*),\n"
                              "                  void (*)(uv_work_t*, int));\n"
                              "const char* uv_err_name(int);\n"
                              "static void work(uv_work_t* r) { (void)r; }\n"
                              "int start(void* env, uv_work_t* req) { uv_loop_t* loop;\n"
                              "  napi_get_uv_event_loop(env, &loop); uv_err_name(0);\n"
                              "  return uv_queue_work(loop, req, work, 0); }\n");
        fs::write_file_atomic(
            dir.path() / "legacy.cc",
            "namespace v8 { struct Isolate { static Isolate* GetCurrent(); }; }\n"
            "extern \"C\" void* napi_create_object();\n"
            "void* current() { napi_create_object(); return v8::Isolate::GetCurrent(); }\n");
        fs::write_file_atomic(dir.path() / "classic.c",
                              "struct node_module; void node_module_register(void*);\n"
                              "void init(void) { node_module_register(0); }\n");
        sh("cd " + d +
           " && gcc -shared -fPIC -o loop.node loop.c && g++ -shared -fPIC -o legacy.node legacy.cc" +
           " && gcc -shared -fPIC -o classic.node classic.c");
        const Arch& arch = arch_from_name("x64");
        elf::LibraryResolver resolver({dir.path() / "stage"}, arch);

        CHECK_NOTHROW(
            check_prebuild(dir.path() / "loop.node", arch, resolver, {"label", "l.napi.glibc.node"}));
        CHECK_THROWS_WITH_AS(
            check_prebuild(dir.path() / "legacy.node", arch, resolver,
                           {"prebuilds/linux-x64/legacy.napi.glibc.node", "legacy.napi.glibc.node"}),
            contains(
                "prebuilds/linux-x64/legacy.napi.glibc.node: build/Release/legacy.node needs the V8 symbol "
                "v8::Isolate::GetCurrent() (_ZN2v87Isolate10GetCurrentEv): only Node-API and libuv are "
                "ABI-stable across Node versions"),
            Error);
        CHECK_THROWS_WITH_AS(
            check_prebuild(dir.path() / "classic.node", arch, resolver, {"label", "c.node"}),
            contains("build/Release/classic.node needs node_module_register, which no library "
                     "it links defines"),
            Error);
        // --abi: the same files are prebuilds for one Node ABI.
        CheckOptions abi{"label", "legacy.abi115.glibc.node"};
        abi.abi = true;
        CHECK_NOTHROW(check_prebuild(dir.path() / "legacy.node", arch, resolver, abi));
        CHECK_NOTHROW(check_prebuild(dir.path() / "classic.node", arch, resolver, abi));
    }
}
