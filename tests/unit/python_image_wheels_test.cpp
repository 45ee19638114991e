// install_image_wheels with wheels made here, one per arch and a pure one, and collect_image_wheels
// with .whl files and globs. (Project directory entries need real builds: the e2e image tests.)
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"
#include "builder/stage/context.hpp"
#include "builder/stage/rootfs_cache.hpp"
#include "python/image_wheels.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_install.hpp"
#include "python/wheel_name.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::python;
using xbuild::test::contains;
namespace stdfs = std::filesystem;
using Strings = std::vector<std::string>;
using Paths = std::vector<stdfs::path>;

namespace {

const std::string k_site = "usr/local/lib/python3.13/dist-packages";

struct Dirs {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-image-wheels-test-"};
    stdfs::path wheels = dir.path() / "wheels";
    stdfs::path root = dir.path() / "root";
    Dirs() {
        fs::make_dirs(wheels);
        fs::make_dirs(root);
    }
};

// Writes dir/<name>-1.0-<tag>.whl holding <module>/__init__.py and <module>/_impl.so whose content
// is the tag (so the test sees which wheel was installed).
stdfs::path make_wheel(const stdfs::path& dir, const std::string& name, const std::string& tag) {
    const std::string escaped = escape_distribution(name);
    const std::string module = normalize_name(name) == "pure" ? "pure" : "native";
    Wheel wheel;
    wheel.add_text(escaped + "-1.0.dist-info/WHEEL",
                   "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: " +
                       std::string(tag == "py3-none-any" ? "true" : "false") + "\nTag: " + tag + "\n",
                   0644);
    wheel.add_text(escaped + "-1.0.dist-info/METADATA",
                   "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n", 0644);
    wheel.add_text(module + "/__init__.py", "", 0644);
    wheel.add_text(module + "/_impl.so", tag, 0755);
    const stdfs::path file = dir / (escaped + "-1.0-" + tag + ".whl");
    wheel.write(file, 0);
    return file;
}

ImagePython image(const std::string& arch) {
    return {"3.13", arch, "2.41"};
}

}  // namespace

TEST_SUITE("image wheels") {
    TEST_CASE("per distribution, the wheel for the image's arch; pure wheels anywhere") {
        Dirs dirs;
        const stdfs::path x86 = make_wheel(dirs.wheels, "native", "cp313-cp313-manylinux_2_17_x86_64");
        const stdfs::path arm = make_wheel(dirs.wheels, "native", "cp313-cp313-manylinux_2_17_aarch64");
        const stdfs::path pure = make_wheel(dirs.wheels, "pure", "py3-none-any");

        const auto installed = install_image_wheels({x86, arm, pure}, dirs.root, image("aarch64"));
        REQUIRE(installed.size() == 2);
        CHECK(installed[0].name == "native");
        CHECK(installed[0].wheel == "native-1.0-cp313-cp313-manylinux_2_17_aarch64.whl");
        CHECK(installed[0].tag == "cp313-cp313-manylinux_2_17_aarch64");
        CHECK(installed[1].name == "pure");
        CHECK(installed[1].wheel == "pure-1.0-py3-none-any.whl");
        CHECK(fs::read_file(dirs.root / k_site / "native/_impl.so") == "cp313-cp313-manylinux_2_17_aarch64");
        CHECK(fs::read_file(dirs.root / k_site / "pure/_impl.so") == "py3-none-any");
        // Asked for by the image: REQUESTED, as pip writes it for what the user named.
        CHECK(stdfs::exists(dirs.root / k_site / "native-1.0.dist-info/REQUESTED"));
        CHECK(stdfs::exists(dirs.root / k_site / "pure-1.0.dist-info/REQUESTED"));

        // The order of the list does not matter; the other arch gets the other wheel.
        Dirs amd64;
        const auto other = install_image_wheels({pure, arm, x86}, amd64.root, image("amd64"));
        REQUIRE(other.size() == 2);
        CHECK(other[0].wheel == "native-1.0-cp313-cp313-manylinux_2_17_x86_64.whl");
        CHECK(other[1].wheel == "pure-1.0-py3-none-any.whl");
        CHECK(fs::read_file(amd64.root / k_site / "native/_impl.so") == "cp313-cp313-manylinux_2_17_x86_64");
    }

    TEST_CASE("no wheels: nothing installed") {
        Dirs dirs;
        CHECK(install_image_wheels({}, dirs.root, image("aarch64")).empty());
        CHECK(stdfs::is_empty(dirs.root));
    }

    TEST_CASE("a distribution none of whose wheels runs on the image is an error naming it and the image") {
        Dirs dirs;
        const stdfs::path x86 = make_wheel(dirs.wheels, "Only.Native", "cp313-cp313-manylinux_2_17_x86_64");
        const stdfs::path pure = make_wheel(dirs.wheels, "pure", "py3-none-any");
        CHECK_THROWS_WITH_AS(
            install_image_wheels({pure, x86}, dirs.root, image("arm64")),
            contains("no wheel of only-native runs on CPython 3.13, aarch64, glibc 2.41: "
                     "Only_Native-1.0-cp313-cp313-manylinux_2_17_x86_64.whl does not run on the "
                     "image (CPython 3.13, aarch64, glibc 2.41)"),
            Error);
        // Every wheel of it says why not, joined by "; ".
        Dirs many;
        const stdfs::path cp311 = make_wheel(many.wheels, "native", "cp311-cp311-manylinux_2_17_aarch64");
        const stdfs::path glibc = make_wheel(many.wheels, "native", "cp313-cp313-manylinux_2_42_aarch64");
        try {
            install_image_wheels({cp311, glibc}, many.root, image("aarch64"));
            FAIL("no error");
        } catch (const Error& error) {
            const std::string message = error.what();
            CHECK(message.starts_with("no wheel of native runs on CPython 3.13, aarch64, glibc 2.41: "));
            CHECK(message.find("native-1.0-cp311-cp311-manylinux_2_17_aarch64.whl does not run") !=
                  std::string::npos);
            CHECK(message.find("; native-1.0-cp313-cp313-manylinux_2_42_aarch64.whl does not run") !=
                  std::string::npos);
        }
    }

    TEST_CASE("collect_image_wheels: .whl files and globs relative to the project, sorted, once each") {
        Dirs dirs;
        const stdfs::path project = dirs.dir.path() / "project";
        fs::make_dirs(project / "dist");
        fs::make_dirs(project / "vendor");
        const stdfs::path b = make_wheel(project / "dist", "native", "cp313-cp313-manylinux_2_17_x86_64");
        const stdfs::path a = make_wheel(project / "dist", "native", "cp313-cp313-manylinux_2_17_aarch64");
        const stdfs::path pure = make_wheel(project / "vendor", "pure", "py3-none-any");
        fs::write_file_atomic(project / "dist/README.txt", "not a wheel");

        stage::RootfsCache cache(dirs.dir.path() / "cache");
        const Reporter reporter;
        const stage::StageContext context{cache, {}, "", reporter};
        ImageWheelsRequest request;
        request.dir = project;
        request.python_version = "3.13";
        request.wheelhouse = dirs.dir.path() / "wheelhouse";
        request.entries = {"vendor/pure-1.0-py3-none-any.whl", "dist/*.whl", "dist/native-1.0-*_x86_64.whl"};
        CHECK(collect_image_wheels(context, request) == Paths{a, b, pure});

        const std::string toml = (project / "xbuild.toml").string();
        request.entries = {"dist/*"};
        CHECK_THROWS_WITH_AS(collect_image_wheels(context, request),
                             contains(toml + ": wheels entry 'dist/*' matches " +
                                      (project / "dist/README.txt").string() + ", which is not a .whl file"),
                             Error);
        request.entries = {"vendor/pure-1.0-py3-none-any.whl", "dist/missing-1.0-py3-none-any.whl"};
        CHECK_THROWS_WITH_AS(
            collect_image_wheels(context, request),
            contains(toml + ": wheels entry 'dist/missing-1.0-py3-none-any.whl' is neither a project "
                            "directory nor a .whl file that exists"),
            Error);
        request.entries = {"other/*.whl"};
        CHECK_THROWS_WITH_AS(collect_image_wheels(context, request),
                             contains(toml + ": wheels entry 'other/*.whl' is neither"), Error);
        // Nothing was built: the wheelhouse was never made.
        CHECK_FALSE(stdfs::exists(request.wheelhouse));
    }
}
