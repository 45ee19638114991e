#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/elf_file.hpp"

using namespace xbuild;
using namespace xbuild::elf;
namespace stdfs = std::filesystem;

namespace {

const char* const k_libz = "/usr/lib/x86_64-linux-gnu/libz.so.1";
const char* const k_ls = "/usr/bin/ls";
const char* const k_arm64_libc = "/usr/aarch64-linux-gnu/lib/libc.so.6";
const char* const k_arm64_libstdcxx = "/usr/aarch64-linux-gnu/lib/libstdc++.so.6";

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

const Symbol* find_symbol(const ElfInfo& info, const std::string& name) {
    for (const Symbol& symbol : info.dynamic_symbols)
        if (symbol.name == name) return &symbol;
    return nullptr;
}

// Parses bytes; true when they parsed, false when parse_elf threw xbuild::Error. Any other
// exception escapes and fails the test; a crash or undefined behaviour shows under
// -fsanitize=address,undefined or valgrind.
bool parses(std::string_view bytes) {
    try {
        parse_elf(bytes, "fuzzed.so");
        return true;
    } catch (const Error&) {
        return false;
    }
}

// The same image without section headers, as `sstrip` leaves it.
std::string without_section_headers(std::string bytes) {
    const bool wide = bytes[4] == 2;
    const bool little = bytes[5] == 1;
    auto zero = [&](std::size_t offset, unsigned width) {
        for (unsigned i = 0; i < width; ++i) bytes[offset + i] = 0;
    };
    (void)little;
    zero(wide ? 40 : 32, wide ? 8 : 4);  // e_shoff
    zero(wide ? 60 : 48, 2);             // e_shnum
    zero(wide ? 62 : 50, 2);             // e_shstrndx
    return bytes;
}

// A hand-built image: ELF header, PT_INTERP, one PT_LOAD over the whole file, PT_DYNAMIC with
// NEEDED, SONAME, RUNPATH, a three-entry .dynsym with DT_HASH, .gnu.version and a one-entry
// .gnu.version_r; no section headers.
class ImageWriter {
  public:
    ImageWriter(bool wide, bool big_endian) : m_wide(wide), m_big(big_endian) {}

    void put(std::size_t offset, std::uint64_t value, unsigned width) {
        if (m_bytes.size() < offset + width) m_bytes.resize(offset + width, '\0');
        for (unsigned i = 0; i < width; ++i) {
            unsigned shift = 8 * (m_big ? width - 1 - i : i);
            m_bytes[offset + i] = static_cast<char>((value >> shift) & 0xff);
        }
    }
    void word(std::size_t offset, std::uint64_t value) { put(offset, value, m_wide ? 8 : 4); }
    void text(std::size_t offset, std::string_view value) {
        if (m_bytes.size() < offset + value.size()) m_bytes.resize(offset + value.size(), '\0');
        m_bytes.replace(offset, value.size(), value);
    }
    std::string& bytes() { return m_bytes; }

  private:
    bool m_wide;
    bool m_big;
    std::string m_bytes;
};

std::string build_image(bool wide, bool big_endian, std::uint16_t machine) {
    ImageWriter out(wide, big_endian);
    const std::size_t header_size = wide ? 64 : 52, ph_size = wide ? 56 : 32, sym_size = wide ? 24 : 16,
                      dyn_size = wide ? 16 : 8;
    const std::uint64_t base = 0x400000;
    const std::string interp = "/lib/ld-test.so.1";
    const std::string strings =
        std::string("\0libc.so.6\0libtest.so.1\0GLIBC_2.17\0memcpy\0test_function\0", 56) +
        "/opt/lib:$ORIGIN/../lib" + std::string(1, '\0');
    auto str = [&](std::string_view s) { return strings.find(std::string(s) + '\0', 1); };
    const std::size_t ph_offset = header_size, interp_offset = ph_offset + 3 * ph_size;
    const std::size_t dynstr = (interp_offset + interp.size() + 1 + 7) / 8 * 8;
    const std::size_t dynsym = (dynstr + strings.size() + 7) / 8 * 8;
    const std::size_t versym = dynsym + 3 * sym_size, verneed = (versym + 6 + 7) / 8 * 8, hash = verneed + 32;
    const std::size_t dynamic = (hash + 8 + 4 + 12 + 7) / 8 * 8, total = dynamic + 12 * dyn_size;

    out.text(0, std::string("\x7f"
                            "ELF",
                            4));
    out.put(4, wide ? 2 : 1, 1);
    out.put(5, big_endian ? 2 : 1, 1);
    out.put(6, 1, 1);
    out.put(16, et_dyn, 2);
    out.put(18, machine, 2);
    out.put(20, 1, 4);
    out.word(wide ? 32 : 28, ph_offset);
    out.put(wide ? 52 : 40, header_size, 2);
    out.put(wide ? 54 : 42, ph_size, 2);
    out.put(wide ? 56 : 44, 3, 2);
    out.put(wide ? 58 : 46, wide ? 64 : 40, 2);
    auto phdr = [&](int index, std::uint32_t type, std::uint64_t offset, std::uint64_t size) {
        std::size_t at = ph_offset + index * ph_size;
        out.put(at, type, 4);
        out.word(at + (wide ? 8 : 4), offset);
        out.word(at + (wide ? 16 : 8), base + offset);
        out.word(at + (wide ? 32 : 16), size);
        out.word(at + (wide ? 40 : 20), size);
    };
    phdr(0, 3, interp_offset, interp.size() + 1);
    phdr(1, 1, 0, total);
    phdr(2, 2, dynamic, 12 * dyn_size);
    out.text(interp_offset, interp);
    out.text(dynstr, strings);
    auto symbol = [&](int index, std::size_t name, std::uint16_t section, std::uint8_t info) {
        std::size_t at = dynsym + index * sym_size;
        out.put(at, name, 4);
        out.put(at + (wide ? 4 : 12), info, 1);
        out.put(at + (wide ? 6 : 14), section, 2);
    };
    symbol(1, str("memcpy"), 0, 0x22);         // STB_WEAK, STT_FUNC
    symbol(2, str("test_function"), 7, 0x12);  // STB_GLOBAL, STT_FUNC
    out.put(versym + 2, 2, 2);                 // memcpy@GLIBC_2.17
    out.put(versym + 4, 1, 2);                 // test_function: global, unversioned
    out.put(verneed, 1, 2);                    // vn_version
    out.put(verneed + 2, 1, 2);
    out.put(verneed + 4, str("libc.so.6"), 4);
    out.put(verneed + 8, 16, 4);
    out.put(verneed + 16 + 6, 2, 2);  // vna_other
    out.put(verneed + 16 + 8, str("GLIBC_2.17"), 4);
    out.put(hash, 1, 4);
    out.put(hash + 4, 3, 4);
    const std::uint64_t entries[][2] = {{1, str("libc.so.6")},
                                        {14, str("libtest.so.1")},
                                        {29, str("/opt/lib:$ORIGIN/../lib")},
                                        {5, base + dynstr},
                                        {10, strings.size()},
                                        {6, base + dynsym},
                                        {11, sym_size},
                                        {4, base + hash},
                                        {0x6ffffff0, base + versym},
                                        {0x6ffffffe, base + verneed},
                                        {0x6fffffff, 1},
                                        {0, 0}};
    for (std::size_t i = 0; i < 12; ++i) {
        out.word(dynamic + i * dyn_size, entries[i][0]);
        out.word(dynamic + i * dyn_size + dyn_size / 2, entries[i][1]);
    }
    out.bytes().resize(total, '\0');
    return out.bytes();
}

void check_built_image(const ElfInfo& info, int elf_class, bool little_endian, std::uint16_t machine) {
    CHECK(info.elf_class == elf_class);
    CHECK(info.little_endian == little_endian);
    CHECK(info.machine == machine);
    CHECK(info.type == et_dyn);
    CHECK(info.interpreter == "/lib/ld-test.so.1");
    CHECK(info.needed == std::vector<std::string>{"libc.so.6"});
    CHECK(info.soname == "libtest.so.1");
    CHECK(info.runpath == std::vector<std::string>{"/opt/lib", "$ORIGIN/../lib"});
    CHECK(info.rpath.empty());
    REQUIRE(info.version_needs.size() == 1);
    CHECK(info.version_needs[0].file == "libc.so.6");
    CHECK(info.version_needs[0].versions == std::vector<std::string>{"GLIBC_2.17"});
    REQUIRE(info.dynamic_symbols.size() == 2);
    CHECK(info.dynamic_symbols[0].name == "memcpy");
    CHECK(info.dynamic_symbols[0].weak);
    CHECK(info.dynamic_symbols[1].name == "test_function");
    CHECK(info.dynamic_symbols[1].defined);
    CHECK_FALSE(info.dynamic_symbols[1].weak);
    CHECK(info.dynamic_symbols[1].version.empty());
    CHECK(info.undefined_versioned() == std::vector<std::string>{"memcpy@GLIBC_2.17"});
}

}  // namespace

TEST_SUITE("elf_file") {
    TEST_CASE("a host shared library: libz.so.1") {
        ElfInfo info = read_elf(k_libz);
        CHECK(info.elf_class == 64);
        CHECK(info.little_endian);
        CHECK(info.machine == 62);
        CHECK(info.type == et_dyn);
        CHECK(info.interpreter.empty());
        CHECK(info.soname == "libz.so.1");
        CHECK(info.needed == std::vector<std::string>{"libc.so.6"});
        REQUIRE(info.version_needs.size() == 1);
        CHECK(info.version_needs[0].file == "libc.so.6");
        CHECK(contains(info.version_needs[0].versions, "GLIBC_2.14"));
        for (const std::string& version : info.version_needs[0].versions)
            CHECK(version.starts_with("GLIBC_2."));
        CHECK(contains(info.version_definitions, "ZLIB_1.2.0"));
        CHECK_FALSE(contains(info.version_definitions, "libz.so.1"));  // the base entry
        const Symbol* memcpy_symbol = find_symbol(info, "memcpy");
        REQUIRE(memcpy_symbol != nullptr);
        CHECK_FALSE(memcpy_symbol->defined);
        CHECK(memcpy_symbol->version == "GLIBC_2.14");
        CHECK_FALSE(memcpy_symbol->weak);
        const Symbol* gmon = find_symbol(info, "__gmon_start__");  // crt's weak reference
        REQUIRE(gmon != nullptr);
        CHECK_FALSE(gmon->defined);
        CHECK(gmon->weak);
        const Symbol* bound = find_symbol(info, "deflateBound");
        REQUIRE(bound != nullptr);
        CHECK(bound->defined);
        CHECK(bound->version == "ZLIB_1.2.0");
        CHECK(contains(info.undefined_versioned(), "memcpy@GLIBC_2.14"));
    }

    TEST_CASE("a host executable: /usr/bin/ls") {
        ElfInfo info = read_elf(k_ls);
        CHECK(info.machine == 62);
        CHECK(info.interpreter == "/lib64/ld-linux-x86-64.so.2");
        CHECK(contains(info.needed, "libc.so.6"));
        CHECK(contains(info.needed, "libselinux.so.1"));
        CHECK(info.soname.empty());
        CHECK_FALSE(info.undefined_versioned().empty());
    }

    TEST_CASE("aarch64 libraries of the cross toolchain") {
        ElfInfo libc = read_elf(k_arm64_libc);
        CHECK(libc.machine == 183);
        CHECK(libc.elf_class == 64);
        CHECK(libc.soname == "libc.so.6");
        CHECK(libc.interpreter == "/lib/ld-linux-aarch64.so.1");
        CHECK(contains(libc.needed, "ld-linux-aarch64.so.1"));
        CHECK(contains(libc.version_definitions, "GLIBC_2.17"));
        CHECK(contains(libc.version_definitions, "GLIBC_2.34"));

        ElfInfo cxx = read_elf(k_arm64_libstdcxx);
        CHECK(cxx.machine == 183);
        CHECK(cxx.soname == "libstdc++.so.6");
        CHECK(contains(cxx.needed, "libm.so.6"));
        CHECK(contains(cxx.needed, "libc.so.6"));
        CHECK(contains(cxx.version_definitions, "GLIBCXX_3.4.30"));
        CHECK(contains(cxx.version_definitions, "CXXABI_1.3.13"));
        bool glibcxx_symbol =
            std::any_of(cxx.dynamic_symbols.begin(), cxx.dynamic_symbols.end(),
                        [](const Symbol& s) { return s.defined && s.version.starts_with("GLIBCXX_3.4"); });
        CHECK(glibcxx_symbol);
        std::vector<std::string> files;
        for (const VersionNeed& need : cxx.version_needs) files.push_back(need.file);
        CHECK(contains(files, "libc.so.6"));
        CHECK(contains(files, "libgcc_s.so.1"));
    }

    TEST_CASE("without section headers the dynamic section gives the same answers") {
        for (const char* path : {k_libz, k_ls, k_arm64_libstdcxx}) {
            CAPTURE(path);
            std::string bytes = fs::read_file(path);
            ElfInfo full = parse_elf(bytes, path);
            ElfInfo stripped = parse_elf(without_section_headers(bytes), path);
            CHECK(stripped.needed == full.needed);
            CHECK(stripped.soname == full.soname);
            CHECK(stripped.interpreter == full.interpreter);
            CHECK(stripped.version_definitions == full.version_definitions);
            REQUIRE(stripped.version_needs.size() == full.version_needs.size());
            for (std::size_t i = 0; i < full.version_needs.size(); ++i) {
                CHECK(stripped.version_needs[i].file == full.version_needs[i].file);
                CHECK(stripped.version_needs[i].versions == full.version_needs[i].versions);
            }
            CHECK(stripped.dynamic_symbols.size() == full.dynamic_symbols.size());
            CHECK(stripped.undefined_versioned() == full.undefined_versioned());
        }
    }

    TEST_CASE("hand-built images: 64-bit big endian, 32-bit little and big endian") {
        check_built_image(parse_elf(build_image(true, true, 22), "be64.so"), 64, false, 22);
        check_built_image(parse_elf(build_image(false, false, 40), "le32.so"), 32, true, 40);
        check_built_image(parse_elf(build_image(false, true, 8), "be32.so"), 32, false, 8);
        check_built_image(parse_elf(build_image(true, false, 183), "le64.so"), 64, true, 183);
    }

    TEST_CASE("not an ELF file") {
        CHECK_FALSE(is_elf("#!/bin/sh\n"));
        CHECK(
            is_elf(std::string("\x7f"
                               "ELF\x02\x01",
                               6)));
        CHECK_THROWS_WITH_AS(parse_elf("#!/bin/sh\necho hi\n", "script.sh"), "script.sh: not an ELF file",
                             Error);
        CHECK_THROWS_WITH_AS(parse_elf("", "empty.so"), "empty.so: not an ELF file", Error);
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-elf-test-");
        fs::write_file_atomic(dir.path() / "notes.txt", "plain text");
        CHECK_THROWS_WITH_AS(read_elf(dir.path() / "notes.txt"),
                             doctest::Contains("notes.txt: not an ELF file"), Error);
        CHECK_THROWS_AS(read_elf(dir.path() / "missing.so"), Error);
    }

    TEST_CASE("malformed headers give errors that say what is wrong") {
        std::string image = build_image(true, false, 62);
        std::string bad_class = image;
        bad_class[4] = 3;
        CHECK_THROWS_WITH_AS(parse_elf(bad_class, "a.so"),
                             doctest::Contains("a.so: corrupt ELF: unknown class 3"), Error);
        std::string bad_data = image;
        bad_data[5] = 0;
        CHECK_THROWS_WITH_AS(parse_elf(bad_data, "a.so"), doctest::Contains("unknown data encoding 0"),
                             Error);
        CHECK_THROWS_WITH_AS(parse_elf(std::string_view(image).substr(0, 40), "a.so"),
                             "a.so: truncated ELF: ELF header ends at byte 64 of 40", Error);
        std::string libz = fs::read_file(k_libz);
        CHECK_THROWS_WITH_AS(parse_elf(std::string_view(libz).substr(0, 4096), "libz.so.1"),
                             doctest::Contains("libz.so.1: truncated ELF: section header table ends at byte"),
                             Error);
    }

    TEST_CASE("every prefix of a real library throws Error or parses, never crashes") {
        std::string bytes = fs::read_file(k_libz);
        REQUIRE(parses(bytes));
        std::size_t failures = 0, checked = 0;
        auto check_prefix = [&](std::size_t length) {
            ++checked;
            if (!parses(std::string_view(bytes).substr(0, length))) ++failures;
        };
        for (std::size_t length = 0; length < 256; ++length) check_prefix(length);
        for (std::size_t length = 256; length < bytes.size(); length += 64) check_prefix(length);
        // libz's section header table is its last part, so every proper prefix is truncated.
        CHECK(failures == checked);
        std::string stripped = without_section_headers(bytes);
        for (std::size_t length = 0; length < stripped.size(); length += 61)
            parses(std::string_view(stripped).substr(0, length));
        std::string image = build_image(true, true, 22);
        for (std::size_t length = 0; length < image.size(); ++length)
            CHECK_FALSE(parses(std::string_view(image).substr(0, length)));
    }

    TEST_CASE("random corruption of the headers and tables throws Error or parses") {
        std::mt19937_64 random(20261105);
        const std::uint64_t extremes[] = {
            0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x8000000000000000ull, 0xffffffffffffffffull};
        // Changes edits bytes or fields in [from, to) of a copy of bytes.
        auto mutate = [&](std::string bytes, std::size_t from, std::size_t to, int edits) {
            to = std::min(to, bytes.size());
            for (int i = 0; i < edits; ++i) {
                std::size_t at = from + random() % (to - from);
                if (random() % 2 == 0) {
                    bytes[at] = static_cast<char>(random() & 0xff);
                } else {  // an extreme value over a whole field
                    std::uint64_t value = extremes[random() % std::size(extremes)];
                    unsigned width = 1u << (random() % 4);
                    for (unsigned k = 0; k < width && at + k < bytes.size(); ++k)
                        bytes[at + k] = static_cast<char>((value >> (8 * k)) & 0xff);
                }
            }
            return bytes;
        };
        std::string libz = fs::read_file(k_libz);
        std::string stripped = without_section_headers(libz);
        const std::string images[] = {build_image(true, true, 22), build_image(false, false, 40)};
        int parsed = 0;
        // libz keeps its ELF header, program headers, .dynsym, .dynstr and version tables in its
        // first 9 KB, its dynamic section at 0x1cdd0 and its section header table at the end.
        const std::size_t tail = libz.size() - 28 * 64;
        for (int round = 0; round < 500; ++round) {
            const int edits = 1 + round % 4;
            parsed += parses(mutate(libz, 0, 0x2400, edits));
            parsed += parses(mutate(stripped, 0, 0x2400, edits));
            parsed += parses(mutate(stripped, 0x1cdd0, 0x1cfc0, edits));
            parsed += parses(mutate(libz, tail, libz.size(), edits));
            const std::string& image = images[round % 2];
            parsed += parses(mutate(image, 0, image.size(), edits));
        }
        CHECK(parsed > 0);
    }
}
