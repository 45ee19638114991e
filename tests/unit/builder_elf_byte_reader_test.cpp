#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "builder/core/error.hpp"
#include "builder/elf/byte_reader.hpp"

using namespace xbuild;
using namespace xbuild::elf;

TEST_SUITE("byte_reader") {
    TEST_CASE("reads in either byte order") {
        const std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
        ByteReader little(bytes, true, "le.so");
        ByteReader big(bytes, false, "be.so");
        CHECK(little.u8(1, "byte") == 0x02);
        CHECK(little.u16(0, "half") == 0x0201);
        CHECK(big.u16(0, "half") == 0x0102);
        CHECK(little.u32(4, "word") == 0x08070605u);
        CHECK(big.u32(4, "word") == 0x05060708u);
        CHECK(little.u64(0, "xword") == 0x0807060504030201ull);
        CHECK(big.u64(0, "xword") == 0x0102030405060708ull);
        CHECK(big.word(0, false, "addr") == 0x01020304u);
        CHECK(big.word(0, true, "addr") == 0x0102030405060708ull);
    }

    TEST_CASE("reads past the end throw and say where") {
        const std::string bytes(8, '\0');
        ByteReader reader(bytes, true, "x.so");
        CHECK(reader.contains(0, 8));
        CHECK(reader.contains(8, 0));
        CHECK_FALSE(reader.contains(4, 5));
        CHECK_FALSE(reader.contains(9, 0));
        CHECK_THROWS_WITH_AS(reader.u32(6, "dynamic entry"),
                             "x.so: truncated ELF: dynamic entry ends at byte 10 of 8", Error);
        CHECK_THROWS_WITH_AS(reader.require(4, 100, "PT_INTERP segment"),
                             "x.so: truncated ELF: PT_INTERP segment ends at byte 104 of 8", Error);
        const std::uint64_t huge = std::numeric_limits<std::uint64_t>::max() - 2;
        CHECK_THROWS_WITH_AS(reader.u64(huge, "section header"), doctest::Contains("lies beyond the end"),
                             Error);
        CHECK(saturating_add(huge, 10) == std::numeric_limits<std::uint64_t>::max());
        CHECK(saturating_add(3, 4) == 7);
    }

    TEST_CASE("strings end at their NUL, inside their table") {
        const std::string bytes("\0libc.so.6\0abc", 14);
        ByteReader reader(bytes, true, "s.so");
        CHECK(reader.string_at(1, 14, "name") == "libc.so.6");
        CHECK(reader.string_at(0, 14, "name").empty());
        CHECK_THROWS_WITH_AS(reader.string_at(11, 14, "DT_SONAME"),
                             doctest::Contains("has no terminating NUL"), Error);
        CHECK_THROWS_WITH_AS(reader.string_at(1, 5, "DT_NEEDED"), doctest::Contains("before byte 5"), Error);
        CHECK_THROWS_WITH_AS(reader.string_at(20, 1000, "DT_RPATH"),
                             "s.so: truncated ELF: DT_RPATH starts at byte 20 of 14", Error);
        CHECK_THROWS_WITH_AS(reader.string_at(6, 4, "name"), doctest::Contains("past the end of its table"),
                             Error);
    }
}
