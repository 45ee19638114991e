// copy_node_modules on a node_modules tree made here: the packages it reports, the prebuilds it
// keeps per arch (node-gyp-build's <platform>-<arch>[+<arch>...] directories), files and symlinks
// copied, and an invalid package.json. (install_app_modules needs npm and stages: e2e covers it.)
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "node/app_modules.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::node;
using xbuild::test::contains;
namespace stdfs = std::filesystem;
using Strings = std::vector<std::string>;

namespace {

struct Dirs {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-app-modules-test-"};
    stdfs::path modules = dir.path() / "app/node_modules";
    stdfs::path dest = dir.path() / "image/app/node_modules";
    void file(const std::string& path, const std::string& content = "x") const {
        fs::make_dirs((modules / path).parent_path());
        fs::write_file_atomic(modules / path, content);
    }
    void package(const std::string& path, const std::string& name, const std::string& version) const {
        file(path + "/package.json", R"({"name": ")" + name + R"(", "version": ")" + version + R"("})");
    }
    void link(const std::string& target, const std::string& path) const {
        fs::make_dirs((modules / path).parent_path());
        stdfs::create_symlink(target, modules / path);
    }
};

// Every entry below dir, '/'-separated; directories end with '/', symlinks show their target.
Strings tree(const stdfs::path& dir) {
    Strings out;
    for (const auto& entry : stdfs::recursive_directory_iterator(dir)) {
        const std::string path = entry.path().lexically_relative(dir).generic_string();
        if (entry.is_symlink())
            out.push_back(path + " -> " + stdfs::read_symlink(entry.path()).string());
        else
            out.push_back(path + (entry.is_directory() ? "/" : ""));
    }
    std::sort(out.begin(), out.end());
    return out;
}

// "name@version" of each package, in the order returned.
Strings names(const std::vector<NpmPackage>& packages) {
    Strings out;
    for (const NpmPackage& package : packages) out.push_back(package.name + "@" + package.version);
    return out;
}

// Where a test's packages' prebuilds are: every tuple node-gyp-build could meet.
void prebuilds(const Dirs& dirs, const std::string& package) {
    for (const char* tuple : {"linux-x64", "linux-arm64", "linux-x64+arm64", "linux-arm+arm64", "linux-ia32",
                              "darwin-x64+arm64", "win32-x64", "android-arm64", "linuxx-x64"})
        dirs.file(package + "/prebuilds/" + tuple + "/node.napi.node", tuple);
}

}  // namespace

TEST_SUITE("app modules") {
    TEST_CASE("every package is reported, sorted: plain, scoped and nested node_modules") {
        Dirs dirs;
        dirs.file(".package-lock.json", "{}");
        dirs.package("zeta", "zeta", "0.0.1");
        dirs.package("addon", "addon", "1.2.3");
        dirs.package("@scope/util", "@scope/util", "0.1.0");
        dirs.file("@scope/util/lib/package.json", R"({"type": "module"})");  // not a package: no report
        dirs.package("addon/node_modules/dep", "dep", "2.0.0");
        dirs.package("addon/node_modules/@inner/x", "@inner/x", "3.0.0");
        dirs.package("addon/node_modules/dep/node_modules/deeper", "deeper", "4.0.0");
        dirs.file("noversion/package.json", R"({"name": "noversion"})");
        const auto packages = copy_node_modules(dirs.modules, dirs.dest, arch_from_name("x64"));
        CHECK(names(packages) == Strings{"@inner/x@3.0.0", "@scope/util@0.1.0", "addon@1.2.3", "deeper@4.0.0",
                                         "dep@2.0.0", "noversion@", "zeta@0.0.1"});
        CHECK(fs::read_file(dirs.dest / "@scope/util/lib/package.json") == R"({"type": "module"})");
        CHECK(fs::read_file(dirs.dest / ".package-lock.json") == "{}");
    }

    TEST_CASE("prebuilds: only the linux tuples naming the arch survive, in every package") {
        Dirs dirs;
        dirs.package("addon", "addon", "1.0.0");
        prebuilds(dirs, "addon");
        dirs.file("addon/prebuilds/README.md", "a file in prebuilds/ stays");
        dirs.package("@scope/native", "@scope/native", "1.0.0");
        prebuilds(dirs, "@scope/native");
        dirs.package("addon/node_modules/nested", "nested", "1.0.0");
        prebuilds(dirs, "addon/node_modules/nested");
        dirs.file("addon/build/Release/addon.node", "build output stays");

        const auto kept = [&](const Arch& arch, const std::string& package) {
            Strings out;
            for (const auto& entry : stdfs::directory_iterator(dirs.dest / arch.node / package / "prebuilds"))
                out.push_back(entry.path().filename().string());
            std::sort(out.begin(), out.end());
            return out;
        };
        const Arch& x64 = arch_from_name("x64");
        const Arch& arm64 = arch_from_name("arm64");
        CHECK(names(copy_node_modules(dirs.modules, dirs.dest / "x64", x64)) ==
              Strings{"@scope/native@1.0.0", "addon@1.0.0", "nested@1.0.0"});
        CHECK(names(copy_node_modules(dirs.modules, dirs.dest / "arm64", arm64)) ==
              Strings{"@scope/native@1.0.0", "addon@1.0.0", "nested@1.0.0"});
        CHECK(kept(x64, "addon") == Strings{"README.md", "linux-x64", "linux-x64+arm64"});
        CHECK(kept(arm64, "addon") ==
              Strings{"README.md", "linux-arm+arm64", "linux-arm64", "linux-x64+arm64"});
        for (const std::string package : {"@scope/native", "addon/node_modules/nested"}) {
            INFO(package);
            CHECK(kept(x64, package) == Strings{"linux-x64", "linux-x64+arm64"});
            CHECK(kept(arm64, package) == Strings{"linux-arm+arm64", "linux-arm64", "linux-x64+arm64"});
        }
        CHECK(fs::read_file(dirs.dest / "x64/addon/prebuilds/linux-x64/node.napi.node") == "linux-x64");
        CHECK(fs::read_file(dirs.dest / "arm64/addon/prebuilds/linux-x64+arm64/node.napi.node") ==
              "linux-x64+arm64");
        CHECK(fs::read_file(dirs.dest / "x64/addon/prebuilds/README.md") == "a file in prebuilds/ stays");
        CHECK(fs::read_file(dirs.dest / "arm64/addon/build/Release/addon.node") == "build output stays");
        // The source tree is left as it was.
        CHECK(stdfs::exists(dirs.modules / "addon/prebuilds/darwin-x64+arm64/node.napi.node"));
    }

    TEST_CASE("files and symlinks are copied as they are; symlinks are not followed") {
        Dirs dirs;
        dirs.package("cli", "cli", "1.0.0");
        dirs.file("cli/bin/cli.js", "#!/usr/bin/env node\n");
        REQUIRE(::chmod((dirs.modules / "cli/bin/cli.js").c_str(), 0755) == 0);
        dirs.link("../cli/bin/cli.js", ".bin/cli");
        // A linked local package (npm's file: dependency): the link is copied, its package not read.
        fs::make_dirs(dirs.dir.path() / "local");
        fs::write_file_atomic(dirs.dir.path() / "local/package.json", "not json at all");
        dirs.link("../../local", "local");
        const auto packages = copy_node_modules(dirs.modules, dirs.dest, arch_from_name("x64"));
        CHECK(names(packages) == Strings{"cli@1.0.0"});
        CHECK(tree(dirs.dest) == Strings{".bin/", ".bin/cli -> ../cli/bin/cli.js", "cli/", "cli/bin/",
                                         "cli/bin/cli.js", "cli/package.json", "local -> ../../local"});
        CHECK(fs::read_file(dirs.dest / "cli/bin/cli.js") == "#!/usr/bin/env node\n");
        CHECK((stdfs::status(dirs.dest / "cli/bin/cli.js").permissions() & stdfs::perms::owner_exec) !=
              stdfs::perms::none);
    }

    TEST_CASE("an invalid package.json is an error naming it") {
        for (const std::string manifest : {"{\"name\": ", "[1, 2]", R"({"name": 5, "version": "1.0.0"})"}) {
            INFO(manifest);
            Dirs dirs;
            dirs.package("good", "good", "1.0.0");
            dirs.file("@scope/bad/package.json", manifest);
            CHECK_THROWS_WITH_AS(
                copy_node_modules(dirs.modules, dirs.dest, arch_from_name("arm64")),
                contains((dirs.modules / "@scope/bad/package.json").string() + ": invalid package.json"),
                Error);
        }
    }
}
