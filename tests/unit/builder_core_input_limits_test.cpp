#include <doctest/doctest.h>

#include <cstdlib>

#include "builder/core/error.hpp"
#include "builder/core/input_limits.hpp"

using namespace xbuild;

namespace {

// Sets an environment variable for one scope.
struct ScopedEnv {
    const char* name;
    ScopedEnv(const char* name, const char* value) : name(name) { ::setenv(name, value, 1); }
    ~ScopedEnv() { ::unsetenv(name); }
};

}  // namespace

TEST_SUITE("input_limits") {
    TEST_CASE("sizes with binary suffixes") {
        CHECK(parse_size("1000", "X") == 1000);
        CHECK(parse_size("64k", "X") == 64 * 1024);
        CHECK(parse_size("512M", "X") == 512ull << 20);
        CHECK(parse_size("8G", "X") == 8ull << 30);
        CHECK(parse_size("2T", "X") == 2ull << 40);
        for (const char* bad : {"", "G", "0", "-1", "1.5G", "12x", "99999999999999999999", "20000000000T"})
            CHECK_THROWS_WITH_AS(parse_size(bad, "XBUILD_MAX_UNPACKED_SIZE"),
                                 doctest::Contains("XBUILD_MAX_UNPACKED_SIZE: '"), Error);
        CHECK(format_size(8ull << 30) == "8 GiB");
        CHECK(format_size(16ull << 20) == "16 MiB");
        CHECK(format_size(1536) == "1536 bytes");
        CHECK(format_size(200) == "200 bytes");
    }

    TEST_CASE("defaults, and each variable of the environment") {
        const InputLimits defaults;
        CHECK(defaults.max_unpacked_size == 8ull << 30);
        CHECK(defaults.max_compression_ratio == 200);
        CHECK(defaults.ratio_threshold == 16ull << 20);
        CHECK(defaults.max_entries == 100000);
        CHECK(defaults.max_sdist_size == 4ull << 30);
        {
            ScopedEnv size("XBUILD_MAX_UNPACKED_SIZE", "20G");
            ScopedEnv ratio("XBUILD_MAX_COMPRESSION_RATIO", "50");
            ScopedEnv entries("XBUILD_MAX_ARCHIVE_ENTRIES", "10");
            ScopedEnv sdist("XBUILD_MAX_SDIST_SIZE", "1G");
            ScopedEnv metadata("XBUILD_MAX_METADATA_SIZE", "1M");
            ScopedEnv symbols("XBUILD_MAX_ELF_SYMBOLS", "5");
            ScopedEnv length("XBUILD_MAX_ELF_STRING_LENGTH", "100");
            ScopedEnv bytes("XBUILD_MAX_ELF_STRING_BYTES", "1000");
            ScopedEnv total("XBUILD_MAX_ELF_TOTAL_BYTES", "2000");
            const InputLimits limits = InputLimits::from_environment();
            CHECK(limits.max_unpacked_size == 20ull << 30);
            CHECK(limits.max_compression_ratio == 50);
            CHECK(limits.max_entries == 10);
            CHECK(limits.max_sdist_size == 1ull << 30);
            CHECK(limits.max_metadata_size == 1ull << 20);
            CHECK(limits.max_elf_symbols == 5);
            CHECK(limits.max_elf_string_length == 100);
            CHECK(limits.max_elf_string_bytes == 1000);
            CHECK(limits.max_elf_total_bytes == 2000);
            CHECK(limits.ratio_threshold == defaults.ratio_threshold);
        }
        ScopedEnv bad("XBUILD_MAX_COMPRESSION_RATIO", "lots");
        CHECK_THROWS_WITH_AS(InputLimits::from_environment(),
                             doctest::Contains("XBUILD_MAX_COMPRESSION_RATIO: 'lots' is not a positive size"),
                             Error);
    }
}
