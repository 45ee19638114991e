#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/stage/rootfs_builder.hpp"
#include "test_support.hpp"

using namespace xbuild;
using namespace xbuild::stage;
using xbuild::test::contains;
namespace stdfs = std::filesystem;

namespace {

// The error fail_from_apt_log throws for a log with this text.
std::string error_for(const std::string& what, const std::string& log_text, int exit_code = 100) {
    fs::TempDir temp{stdfs::temp_directory_path(), "xbuild-apt-log-test-"};
    const stdfs::path log = temp.path() / "build.log";
    fs::write_file_atomic(log, log_text);
    try {
        fail_from_apt_log(what, log, exit_code);
    } catch (const Error& error) {
        return error.what();
    }
    FAIL("fail_from_apt_log did not throw");
    return {};
}

// A layer's apt-get install of cython3:arm64 over a trixie/amd64→arm64 toolchain, forky's (apt
// 3.3.3) and trixie's (apt 3.0.4) words; python3-dev:amd64 of the stage holds python3:amd64.
constexpr const char* k_forky =
    R"($ set -e; apt-get -o APT::Sandbox::User=root -qq update; DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root -y -q --no-install-recommends install cython3:arm64 python3-dev; ...
Reading package lists...
Building dependency tree...
Reading state information...
python3-dev is already the newest version (3.14.7-3).
Solving dependencies...
Some packages could not be installed. This may mean that you have
requested an impossible situation or if you are using the unstable
distribution that some required packages have not yet been created
or been moved out of Incoming.
The following information may help to resolve the situation:

The following packages have unmet dependencies:
 cython3:arm64 : Depends: python3:arm64 (< 3.15) but it is not going to be installed
                 Depends: python3:arm64 (>= 3.14~) but it is not going to be installed
E: Unable to satisfy dependencies. Reached two conflicting assignments:
   1. python3:arm64 is selected for install because:
      1. cython3:arm64=3.1.6+dfsg-3+b1 is selected for install
      2. cython3:arm64=3.1.6+dfsg-3+b1 Depends python3:arm64 (>= 3.14~)
   2. python3:arm64 is available in version 3.14.7-3
      but none of the choices are installable:
      - python3:arm64=3.14.7-3 is not selected for install because:
        1. python3-dev:amd64 is selected for install
        2. python3-dev:amd64 Depends python3 (= 3.14.7-3)
        3. python3:amd64 Conflicts python3:arm64
)";

constexpr const char* k_trixie = R"(Reading package lists...
Building dependency tree...
Reading state information...
python3-dev is already the newest version (3.13.5-1).
Solving dependencies...
Some packages could not be installed. This may mean that you have
requested an impossible situation or if you are using the unstable
distribution that some required packages have not yet been created
or been moved out of Incoming.
The following information may help to resolve the situation:

The following packages have unmet dependencies:
 python3-dev : Depends: python3 (= 3.13.5-1) but it is not installable
 python3.13-dev : Depends: python3.13 (= 3.13.5-2+deb13u5) but it is not installable
E: Unable to correct problems, you have held broken packages.
E: The following information from --solver 3.0 may provide additional context:
   Unable to satisfy dependencies. Reached two conflicting decisions:
   1. python3:arm64 is selected for install because:
      1. cython3:arm64=3.0.11+dfsg-2+b1 is selected for install
      2. cython3:arm64 Depends python3:arm64 (< 3.14)
   2. python3:arm64 is not selected for install because:
      1. python3-dev:amd64 is selected for install
      2. python3-dev:amd64 Depends python3 (= 3.13.5-1)
      3. python3:amd64 is available in version 3.13.5-1
      4. python3:arm64 Conflicts python3
)";

// The same over a bullseye/amd64→arm64 toolchain (apt 2.2.4).
constexpr const char* k_bullseye = R"(Reading package lists...
Building dependency tree...
Reading state information...
python3-dev is already the newest version (3.9.2-3).
Some packages could not be installed. This may mean that you have
requested an impossible situation or if you are using the unstable
distribution that some required packages have not yet been created
or been moved out of Incoming.
The following information may help to resolve the situation:

The following packages have unmet dependencies:
 python3-dev : Depends: python3 (= 3.9.2-3) but it is not installable
               Depends: python3.9-dev (>= 3.9.2-0~) but it is not going to be installed
E: Unable to correct problems, you have held broken packages.
)";

// mmdebstrap (the host's apt 2.6) making an extract-only bullseye/arm64 stage of two packages that
// conflict.
constexpr const char* k_mmdebstrap = R"(I: skipping emulation check for extract variant
I: finding correct signed-by value...
I: running apt-get update...
I: downloading packages with apt...
Reading package lists...
Building dependency tree...
Some packages could not be installed. This may mean that you have
requested an impossible situation or if you are using the unstable
distribution that some required packages have not yet been created
or been moved out of Incoming.
The following information may help to resolve the situation:

The following packages have unmet dependencies:
 libcurl4-gnutls-dev : Conflicts: libcurl4-openssl-dev but 7.74.0-1.3+deb11u13 is to be installed
 libcurl4-openssl-dev : Conflicts: libcurl4-gnutls-dev but 7.74.0-1.3+deb11u13 is to be installed
E: Unable to correct problems, you have held broken packages.
E: apt download failed: E: apt-get --yes -oDebug::pkgDpkgPm=1 -oDir::Log=/dev/null -oAPT::Keep-Fds::=7 -oDPkg::Tools::options::'cat >&7'::InfoFD=7 -oDpkg::Pre-Install-Pkgs::=cat >&7 -oDebug::NoLocking=1 -oDpkg::Use-Pty=0 install libc6-dev libcurl4-openssl-dev libcurl4-gnutls-dev -oAPT::Status-Fd=<$fd> -oDpkg::Use-Pty=false failed
I: main() received signal PIPE: waiting for setup...
E: mmdebstrap failed to run
)";

}  // namespace

TEST_SUITE("rootfs builder") {
    TEST_CASE("a resolver failure names the first package apt lists with unmet dependencies") {
        const std::string layer = "trixie/amd64→arm64 toolchain + cython3:arm64";
        CHECK(error_for(layer, k_forky) ==
              "building " + layer +
                  " failed: cannot install 'cython3:arm64': it depends on python3:arm64 (< 3.15) but it is "
                  "not going to be installed");
        CHECK(error_for(layer, k_trixie) ==
              "building " + layer +
                  " failed: cannot install 'python3-dev': it depends on python3 "
                  "(= 3.13.5-1) but it is not installable");
        CHECK(error_for("bullseye/amd64→arm64 toolchain + cython3:arm64", k_bullseye) ==
              "building bullseye/amd64→arm64 toolchain + cython3:arm64 failed: cannot install 'python3-dev': "
              "it "
              "depends on python3 (= 3.9.2-3) but it is not installable");
        CHECK(
            error_for("bullseye/arm64 runtime", k_mmdebstrap) ==
            "building bullseye/arm64 runtime failed: cannot install 'libcurl4-gnutls-dev': it conflicts with "
            "libcurl4-openssl-dev but 7.74.0-1.3+deb11u13 is to be installed");
        // One line, whatever apt printed.
        CHECK(error_for(layer, k_forky).find('\n') == std::string::npos);
    }

    TEST_CASE("an unknown package is named as before") {
        CHECK(
            error_for("forky/amd64→arm64 toolchain + nosuchpkg",
                      "Reading package lists...\nBuilding dependency tree...\nReading state information...\n"
                      "E: Unable to locate package nosuchpkg\n") ==
            "unknown package 'nosuchpkg' in forky/amd64→arm64 toolchain + nosuchpkg (not in the suite's "
            "archive for this architecture)");
    }

    TEST_CASE("any other failure gives the first E: line, else the exit code") {
        CHECK(error_for(
                  "trixie/arm64 runtime",
                  "Err:1 http://deb.debian.org/debian trixie InRelease\n"
                  "E: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Could not resolve "
                  "'deb.debian.org'\nE: Some index files failed to download.\n") ==
              "building trixie/arm64 runtime failed: Failed to fetch "
              "http://deb.debian.org/debian/dists/trixie/InRelease  Could not resolve 'deb.debian.org'");
        CHECK(error_for("trixie/arm64 runtime", "no apt output\n", 25) ==
              "building trixie/arm64 runtime failed: exit code 25");
        // The heading of the unmet dependencies with no package line under it names none.
        CHECK(error_for("x",
                        "The following packages have unmet dependencies:\nE: Unable to correct problems, you "
                        "have held broken packages.\n") ==
              "building x failed: Unable to correct problems, you have held broken packages.");
        // No log: the exit code.
        CHECK_THROWS_WITH_AS(fail_from_apt_log("x", "/nonexistent/build.log", 3),
                             contains("failed: exit code 3"), Error);
    }
}
