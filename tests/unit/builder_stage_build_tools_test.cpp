#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "builder/stage/build_tools.hpp"

using namespace xbuild::stage;
using Strings = std::vector<std::string>;

namespace {

// apt-cache show --no-all-versions over a trixie/amd64 toolchain stage (apt 3.0.4, 2026-12-03): swig
// and cython3 whole, the others' fields that matter as the archive gives them.
constexpr const char* k_trixie = R"(Package: swig
Version: 4.3.0-1
Installed-Size: 5970
Maintainer: Torsten Landschoff <torsten@debian.org>
Architecture: amd64
Replaces: swig4.0
Depends: libc6 (>= 2.38), libgcc-s1 (>= 3.0), libpcre2-8-0 (>= 10.22), libstdc++6 (>= 13.1)
Suggests: swig-doc, swig-examples
Conflicts: swig4.0
Description: Generate scripting interfaces to C/C++ code
Description-md5: 0c907a6526f2f4979436526410341c6f
Multi-Arch: foreign
Homepage: https://www.swig.org/
Tag: devel::compiler, devel::lang:c, devel::lang:c++, devel::library,
 implemented-in::c, interface::commandline, role::devel-lib,
 role::program, scope::utility, works-with::software:source
Section: interpreters
Priority: optional
Filename: pool/main/s/swig/swig_4.3.0-1_amd64.deb
Size: 1502680
MD5sum: 709ba7f0be40b1e1c9af10f733fb44ce
SHA256: fe8749993e720a232582c13a5ddcaeb074c435a1f1c6ed2ffe0db597a972a069

Package: cython3
Source: cython (3.0.11+dfsg-2)
Version: 3.0.11+dfsg-2+b1
Installed-Size: 10813
Maintainer: Debian Python Team <team+python@tracker.debian.org>
Architecture: amd64
Replaces: cython (<< 0.29.14-2)
Depends: python3 (<< 3.14), python3 (>= 3.13~), python3:any, libc6 (>= 2.14)
Recommends: gcc, python3-dev
Suggests: cython-doc
Breaks: cython (<< 0.29.14-2)
Description: C-Extensions for Python 3
Description-md5: 3df645e842d6028f5b86b84386a32568
Homepage: http://cython.org/
Section: python
Priority: optional
Filename: pool/main/c/cython/cython3_3.0.11+dfsg-2+b1_amd64.deb
Size: 2504408
MD5sum: 78ea0befb091367953c06b5b16fc031b
SHA256: ca9e41c1f13b3d2b4693034b9ee7660762c78ebe6043f03eef9068cacbfe6c9c

Package: libyaml-dev
Source: libyaml
Version: 0.2.5-2
Architecture: amd64
Depends: libyaml-0-2 (= 0.2.5-2)
Multi-Arch: same

Package: pybind11-dev
Source: pybind11
Version: 2.13.6-2
Architecture: all
Depends: libpython3-dev
Multi-Arch: foreign

Package: meson
Version: 1.7.0-1
Architecture: all
Depends: python3:any (>= 3.7~), ninja-build (>= 1.6), python3-setuptools
Multi-Arch: foreign

Package: libfast-float-dev
Source: fast-float
Version: 8.0.0-0.1
Architecture: amd64
Multi-Arch: foreign

Package: python3-numpy
Source: numpy
Version: 1:2.2.4+ds-1
Architecture: amd64
Depends: python3-numpy-dev (= 1:2.2.4+ds-1), python3 (<< 3.14), python3 (>= 3.13~), python3:any
Multi-Arch: allowed
)";

BuildPackageSplit split(const Strings& packages) {
    return split_build_packages(packages, archive_packages(k_trixie));
}

}  // namespace

TEST_SUITE("build tools") {
    TEST_CASE("archive_packages reads Package, Architecture and Multi-Arch of each paragraph") {
        auto packages = archive_packages(k_trixie);
        REQUIRE(packages.size() == 7);
        CHECK(packages[0].name == "swig");
        CHECK(packages[0].architecture == "amd64");
        CHECK(packages[0].multi_arch == "foreign");
        CHECK(packages[1].name == "cython3");
        CHECK(packages[1].multi_arch.empty());
        CHECK(packages[3].name == "pybind11-dev");
        CHECK(packages[3].architecture == "all");
        CHECK(archive_packages("Version: 1\n\nDescription: no Package field\n").empty());
    }

    TEST_CASE("Multi-Arch: foreign and Architecture: all go to the layer, the rest to the sysroot") {
        auto result = split({"swig", "meson", "libyaml-dev", "python3-numpy"});
        CHECK(result.tools == Strings{"swig", "meson"});
        CHECK(result.sysroot == Strings{"libyaml-dev", "python3-numpy"});  // same; allowed
    }

    TEST_CASE("a tool without a Multi-Arch field stays in the sysroot unless it is asked for :native") {
        CHECK(split({"cython3"}).tools.empty());
        CHECK(split({"cython3"}).sysroot == Strings{"cython3"});
        auto native = split({"cython3:native", "libyaml-dev"});
        CHECK(native.tools == Strings{"cython3"});
        CHECK(native.sysroot == Strings{"libyaml-dev"});
    }

    TEST_CASE("a -dev package that is foreign or all goes to both (header-only libraries)") {
        auto result = split({"pybind11-dev", "libfast-float-dev"});
        CHECK(result.tools == Strings{"pybind11-dev", "libfast-float-dev"});
        CHECK(result.sysroot == Strings{"pybind11-dev", "libfast-float-dev"});
    }

    TEST_CASE("a package the archive does not list goes to the sysroot, as before the split") {
        auto result = split({"libssl1.1", "libz-dev"});  // not in trixie; purely virtual
        CHECK(result.tools.empty());
        CHECK(result.sysroot == Strings{"libssl1.1", "libz-dev"});
        CHECK(split_build_packages({"swig", "libyaml-dev"}, {}).sysroot == Strings{"swig", "libyaml-dev"});
    }

    TEST_CASE("an :arch is dropped (the layer is the stage's arch, the sysroot the target's); names once") {
        auto result = split({"swig:arm64", "libyaml-dev:arm64", "swig", "libyaml-dev"});
        CHECK(result.tools == Strings{"swig"});
        CHECK(result.sysroot == Strings{"libyaml-dev"});
    }

    TEST_CASE("no packages, nothing anywhere") {
        auto result = split({});
        CHECK(result.tools.empty());
        CHECK(result.sysroot.empty());
    }
}
