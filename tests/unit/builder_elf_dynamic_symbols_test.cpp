#include <doctest/doctest.h>

#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <utility>

#include "builder/core/error.hpp"
#include "builder/elf/byte_reader.hpp"
#include "builder/elf/dynamic_symbols.hpp"

using namespace xbuild;
using namespace xbuild::elf;

namespace {

// Little-endian fields at fixed offsets of a growing buffer.
struct Buffer {
    std::string bytes;
    void put(std::size_t offset, std::uint64_t value, unsigned width) {
        if (bytes.size() < offset + width) bytes.resize(offset + width, '\0');
        for (unsigned i = 0; i < width; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
    }
};

// A .gnu.version_r at 0 with one file and two versions, names in a string table at 64.
Buffer version_needs(std::uint32_t aux_next, std::uint16_t revision = 1) {
    Buffer buffer;
    const std::string strings("\0libc.so.6\0GLIBC_2.17\0GLIBC_2.34\0", 33);
    buffer.put(0, revision, 2);
    buffer.put(2, 2, 2);   // vn_cnt
    buffer.put(4, 1, 4);   // vn_file
    buffer.put(8, 16, 4);  // vn_aux
    buffer.put(16 + 6, 2, 2);
    buffer.put(16 + 8, 11, 4);
    buffer.put(16 + 12, aux_next, 4);
    buffer.put(32 + 6, 3, 2);
    buffer.put(32 + 8, 22, 4);
    buffer.bytes.resize(64, '\0');
    buffer.bytes += strings;
    return buffer;
}

// A .dynsym of count 64-bit entries (the null symbol first) whose names all point at one string of
// name_length 'x' bytes, in the string table that follows the symbols.
std::pair<std::string, SymbolTables> one_name_symbols(std::uint64_t count, std::size_t name_length) {
    Buffer buffer;
    for (std::uint64_t i = 1; i < count; ++i) buffer.put(i * 24, 1, 4);  // st_name
    buffer.bytes.resize(count * 24, '\0');
    const std::uint64_t strings = buffer.bytes.size();
    buffer.bytes += '\0' + std::string(name_length, 'x') + '\0';
    SymbolTables tables;
    tables.wide = true;
    tables.symbols = SymbolTable{0, count, StringTable{strings, name_length + 2}};
    return {buffer.bytes, tables};
}

long peak_rss_kb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

SymbolTables needs_at_zero() {
    SymbolTables tables;
    tables.wide = true;
    tables.needs = VersionTable{0, 1, StringTable{64, 33}};
    return tables;
}

}  // namespace

TEST_SUITE("dynamic_symbols") {
    TEST_CASE("version needs are read along their chains") {
        Buffer buffer = version_needs(16);
        ElfInfo info;
        read_symbols_and_versions(ByteReader(buffer.bytes, true, "v.so"), needs_at_zero(), info);
        REQUIRE(info.version_needs.size() == 1);
        CHECK(info.version_needs[0].file == "libc.so.6");
        CHECK(info.version_needs[0].versions == std::vector<std::string>{"GLIBC_2.17", "GLIBC_2.34"});
    }

    TEST_CASE("corrupt version chains throw") {
        ElfInfo info;
        Buffer overlapping = version_needs(4);
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(ByteReader(overlapping.bytes, true, "v.so"), needs_at_zero(), info),
            doctest::Contains("v.so: corrupt ELF: .gnu.version_r entry at byte 16 links to an overlapping"),
            Error);
        Buffer revision = version_needs(16, 7);
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(ByteReader(revision.bytes, true, "v.so"), needs_at_zero(), info),
            doctest::Contains("unknown revision 7"), Error);
        Buffer bad_name = version_needs(16);
        bad_name.put(16 + 8, 500, 4);
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(ByteReader(bad_name.bytes, true, "v.so"), needs_at_zero(), info),
            doctest::Contains("string index 500 beyond its 33-byte string table"), Error);
        Buffer far = version_needs(0xfffffff0u);
        far.put(2, 3, 2);  // a third version, "16 bytes" on at a wrapped offset
        CHECK_THROWS_AS(read_symbols_and_versions(ByteReader(far.bytes, true, "v.so"), needs_at_zero(), info),
                        Error);
    }

    TEST_CASE("symbol counts from hash tables") {
        Buffer sysv;
        sysv.put(0, 1, 4);
        sysv.put(4, 9, 4);
        sysv.bytes.resize(8 + 4 * 10, '\0');
        CHECK(sysv_hash_symbol_count(ByteReader(sysv.bytes, true, "h.so"), 0) == 9);
        CHECK_THROWS_AS(
            sysv_hash_symbol_count(ByteReader(std::string_view(sysv.bytes).substr(0, 20), true, "h.so"), 0),
            Error);

        // DT_GNU_HASH: 2 buckets, first hashed symbol 3, one 64-bit bloom word; bucket 0 holds
        // symbols 3-4, bucket 1 symbols 5-6 (the chain's low bit ends a bucket).
        Buffer gnu;
        gnu.put(0, 2, 4);
        gnu.put(4, 3, 4);
        gnu.put(8, 1, 4);
        gnu.put(12, 6, 4);
        gnu.put(24, 3, 4);
        gnu.put(28, 5, 4);
        const std::uint32_t chain[] = {0x10, 0x21, 0x30, 0x41};
        for (int i = 0; i < 4; ++i) gnu.put(32 + 4 * i, chain[i], 4);
        CHECK(gnu_hash_symbol_count(ByteReader(gnu.bytes, true, "g.so"), 0, true) == 7u);
        CHECK_THROWS_WITH_AS(
            gnu_hash_symbol_count(ByteReader(std::string_view(gnu.bytes).substr(0, 44), true, "g.so"), 0,
                                  true),
            doctest::Contains("DT_GNU_HASH chain"), Error);
        gnu.put(24, 0, 4);
        gnu.put(28, 0, 4);
        CHECK_FALSE(gnu_hash_symbol_count(ByteReader(gnu.bytes, true, "g.so"), 0, true).has_value());
        gnu.put(28, 1, 4);
        CHECK_THROWS_WITH_AS(gnu_hash_symbol_count(ByteReader(gnu.bytes, true, "g.so"), 0, true),
                             doctest::Contains("below its first hashed symbol"), Error);
    }

    TEST_CASE("symbol tables larger than the file are refused before reading") {
        std::string bytes(64, '\0');
        SymbolTables tables;
        tables.wide = true;
        tables.symbols = SymbolTable{0, 1u << 30, StringTable{0, 64}};
        ElfInfo info;
        CHECK_THROWS_WITH_AS(read_symbols_and_versions(ByteReader(bytes, true, "s.so"), tables, info),
                             doctest::Contains("s.so: truncated ELF: .dynsym has 1073741824 entries"), Error);
    }

    TEST_CASE("per-table limits: symbols, one string's length, the bytes of all strings taken") {
        ElfInfo info;
        auto [bytes, tables] = one_name_symbols(1000, 100 * 1024);
        const ByteReader reader(bytes, true, "one-name.so");
        InputLimits limits;
        limits.max_elf_string_bytes = 1 << 20;
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(reader, tables, info, limits),
            doctest::Contains("one-name.so: the strings read for .dynsym exceed the limit of 1 MiB "
                              "(XBUILD_MAX_ELF_STRING_BYTES)"),
            Error);
        limits.max_elf_string_bytes = 1 << 30;
        limits.max_elf_string_length = 4096;
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(reader, tables, info, limits),
            doctest::Contains("one-name.so: .dynsym symbol name at byte 24001 is longer than the "
                              "limit of 4096 bytes (XBUILD_MAX_ELF_STRING_LENGTH)"),
            Error);
        limits = InputLimits();
        limits.max_elf_symbols = 998;
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(reader, tables, info, limits),
            doctest::Contains("one-name.so: .dynsym has 999 symbols, more than the limit of 998 "
                              "(XBUILD_MAX_ELF_SYMBOLS)"),
            Error);
        auto [small, small_tables] = one_name_symbols(10, 100 * 1024);
        limits.max_elf_symbols = 9;
        info = ElfInfo();
        read_symbols_and_versions(ByteReader(small, true, "small.so"), small_tables, info, limits);
        REQUIRE(info.dynamic_symbols.size() == 9);
        CHECK(info.dynamic_symbols[8].name == std::string(100 * 1024, 'x'));
    }

    TEST_CASE("an ElfBudget bounds the tables of several files read together") {
        auto [bytes, tables] = one_name_symbols(1000, 10 * 1024);  // 10 MB of names, 72 kB of symbols
        InputLimits limits;
        limits.max_elf_total_bytes = 25 << 20;
        ElfBudget budget(limits);
        ElfInfo first, second, third;
        read_symbols_and_versions(ByteReader(bytes, true, "a.so"), tables, first, limits, &budget);
        read_symbols_and_versions(ByteReader(bytes, true, "b.so"), tables, second, limits, &budget);
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(ByteReader(bytes, true, "c.so"), tables, third, limits, &budget),
            doctest::Contains("c.so: the ELF files read together take more than 25 MiB in symbols "
                              "and strings (XBUILD_MAX_ELF_TOTAL_BYTES)"),
            Error);
        CHECK(third.dynamic_symbols.size() < 999);  // stopped while reading, not after
    }

    TEST_CASE("a table whose symbols all name one huge string stays bounded with the default limits") {
        // 4000 symbols naming one 512 KiB string: 2 GB of names unbounded.
        auto [bytes, tables] = one_name_symbols(4000, 512 * 1024);
        ElfInfo info;
        const long before = peak_rss_kb();
        CHECK_THROWS_WITH_AS(
            read_symbols_and_versions(ByteReader(bytes, true, "huge.so"), tables, info, {}),
            doctest::Contains("huge.so: the strings read for .dynsym exceed the limit of 64 MiB"), Error);
        CHECK(peak_rss_kb() - before < 100 * 1024);
    }
}
