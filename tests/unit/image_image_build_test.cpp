#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "fake_sandbox.hpp"
#include "image/image_build.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
namespace stdfs = std::filesystem;
using xbuild::test::contains;

namespace {

// Compiled once: libtiny.so.1 and an extension that needs it.
struct Binaries {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-image-build-bin-"};
    test::NeedingPair pair = test::compile_needing_pair(dir.path(), "libtiny.so.1", true);
};

const Binaries& binaries() {
    static const Binaries built;
    return built;
}

// `xbuild image` for amd64 with a base made here (with or without libtiny.so.1) and a dependencies
// installer that puts an extension needing it into the image; the sandbox is the fake (assembly runs
// nothing of the target).
struct Fixture : test::FakeStage {
    bool base_has_tiny = true;
    std::string installer_error;
    stdfs::path out = dir.path() / "out";

    Fixture() : FakeStage("xbuild-image-build-test-") { fs::make_dirs(dir.path() / "project"); }

    ImageRequest request() {
        ImageRequest request;
        request.config.dir = dir.path() / "project";
        request.config.tag = "registry.test/tiny:1";
        request.config.suite = "trixie";
        request.config.archs = {"amd64"};
        request.outputs.archive = out / "image.tar";
        request.source_date_epoch = 315532800;
        const stdfs::path root = dir.path();
        const bool with_tiny = base_has_tiny;
        request.base = [root, with_tiny](const stage::StageContext&, const ImageBaseRequest& base_request) {
            ImageBase base;
            base.root = root / (with_tiny ? "base" : "base-without-tiny");
            if (!stdfs::exists(base.root)) {
                fs::make_dirs(base.root / "usr/lib/x86_64-linux-gnu");
                fs::make_dirs(base.root / "etc/ld.so.conf.d");
                fs::write_file_atomic(base.root / "etc/ld.so.conf.d/x86_64-linux-gnu.conf",
                                      "/usr/lib/x86_64-linux-gnu\n");
                if (with_tiny)
                    fs::write_file_atomic(base.root / "usr/lib/x86_64-linux-gnu/libtiny.so.1",
                                          binaries().pair.library, 0644);
            }
            base.key = with_tiny ? "base-key" : "base-key-without-tiny";
            base.description = std::string(base_request.suite) + "/amd64 python3 base";
            base.packages = {{"libtiny1", "1.0-1", "amd64", ""}};
            return base;
        };
        const std::string error = installer_error;
        request.install_dependencies = [error](const Arch&, const ImageBase&, const stdfs::path& deps) {
            if (!error.empty()) fail("{}", error);
            fs::make_dirs(deps / "usr/lib/python3/dist-packages/tiny");
            fs::write_file_atomic(deps / "usr/lib/python3/dist-packages/tiny/_ext.so",
                                  binaries().pair.extension, 0644);
            SbomPackage package;
            package.name = "tiny";
            package.version = "1.0";
            package.kind = SbomPackage::Kind::pypi;
            return std::vector<SbomPackage>{package};
        };
        return request;
    }

    ImageResult build() {
        stage::StageContext context = this->context();
        return build_image(context, request());
    }
    bool nothing_written() const { return !stdfs::exists(out) || stdfs::is_empty(out); }
};

}  // namespace

TEST_SUITE("image build") {
    TEST_CASE("an image: base and dependencies layers, the closure resolved, the archive and its SBOM") {
        Fixture f;
        ImageResult result = f.build();
        REQUIRE(result.platforms.size() == 1);
        const PlatformImage& platform = result.platforms[0];
        CHECK(platform.arch == "amd64");
        CHECK(platform.base == "base-key");
        REQUIRE(platform.layers.size() == 2);
        CHECK(platform.layers[0].starts_with("base "));
        CHECK(platform.layers[1].starts_with("dependencies "));
        CHECK(stdfs::exists(f.out / "image.tar"));
        CHECK(platform.sbom == f.out / "image.amd64.spdx.json");
        const std::string sbom = fs::read_file(platform.sbom);
        CHECK(sbom.find("\"libtiny1\"") != std::string::npos);
        CHECK(sbom.find("\"tiny\"") != std::string::npos);
        CHECK(platform.sbom_packages == 2);
        CHECK(f.sandbox.runs.empty());  // assembly runs nothing
        // The same inputs give the same image.
        stdfs::remove_all(f.out);
        CHECK(f.build().digest == result.digest);
    }

    TEST_CASE("a library no layer has fails the closure check, naming it; nothing is written") {
        Fixture f;
        f.base_has_tiny = false;
        CHECK_THROWS_WITH_AS(f.build(), contains("libtiny.so.1"), Error);
        CHECK(f.nothing_written());
    }

    TEST_CASE("a failing dependency installer stops the image; nothing is written") {
        Fixture f;
        f.installer_error = "tiny-1.0-cp313-cp313-manylinux_2_31_x86_64.whl: pip refused it";
        CHECK_THROWS_WITH_AS(f.build(), "tiny-1.0-cp313-cp313-manylinux_2_31_x86_64.whl: pip refused it",
                             Error);
        CHECK(f.nothing_written());
    }
}
