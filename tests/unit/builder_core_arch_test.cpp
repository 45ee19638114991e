#include <doctest/doctest.h>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"

using namespace xbuild;

TEST_SUITE("arch") {
    TEST_CASE("every spelling of an architecture finds the same entry") {
        const Arch& arm64 = arch_from_name("arm64");
        CHECK(&arch_from_name("aarch64") == &arm64);
        CHECK(&arch_from_name("aarch64-linux-gnu") == &arm64);
        CHECK(arm64.elf_machine == 183);
        CHECK(arm64.qemu == "aarch64");
        const Arch& amd64 = arch_from_name("x86_64");
        CHECK(&arch_from_name("x64") == &amd64);
        CHECK(&arch_from_name("amd64") == &amd64);
        CHECK(amd64.node == "x64");
        CHECK(&arch_from_name("x86-64") == &amd64);  // spellings outside the table
        CHECK(&arch_from_name("x86") == &arch_from_name("i386"));
        CHECK(&arch_from_name("i686") == &arch_from_name("i386"));
        CHECK(arch_from_name("armhf").elf_class == 32);
        CHECK_FALSE(arch_from_name("s390x").little_endian);
    }

    TEST_CASE("an unknown architecture is an error that names it and the known ones") {
        try {
            arch_from_name("sparc64");
            FAIL("no error");
        } catch (const Error& error) {
            std::string message = error.what();
            CHECK(message.find("'sparc64'") != std::string::npos);
            CHECK(message.find("arm64") != std::string::npos);
        }
    }

    TEST_CASE("the host architecture is known") {
        CHECK_FALSE(host_arch().debian.empty());
    }

    TEST_CASE("a plan's architectures: in order, each once whatever its spelling, the host's by default") {
        const auto archs = archs_from_names({"arm64", "x86_64", "aarch64", "amd64", "x64"});
        REQUIRE(archs.size() == 2);
        CHECK(archs[0]->debian == "arm64");
        CHECK(archs[1]->debian == "amd64");
        CHECK(archs_from_names({}) == std::vector<const Arch*>{&host_arch()});
        CHECK_THROWS_AS(archs_from_names({"arm64", "sparc64"}), Error);
    }
}
