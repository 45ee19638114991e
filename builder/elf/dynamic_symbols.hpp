#pragma once
// The dynamic symbol table and the GNU symbol-versioning tables (.gnu.version,
// .gnu.version_r, .gnu.version_d) of an ELF image. elf_file.cpp finds them, through the
// section headers or the dynamic section; this part reads them, bounds-checked.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "builder/core/input_limits.hpp"
#include "builder/elf/byte_reader.hpp"
#include "builder/elf/elf_file.hpp"

namespace xbuild::elf {

// A string table's file range.
struct StringTable {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

struct SymbolTable {
    std::uint64_t offset = 0;
    std::uint64_t count = 0;  // entries, the null symbol included
    StringTable strings;
};

// A chain of Verneed or Verdef entries.
struct VersionTable {
    std::uint64_t offset = 0;
    std::uint64_t count = 0;  // entries; 0 when unknown: follow the chain to its end
    StringTable strings;
};

struct SymbolTables {
    bool wide = false;  // ELF64 symbol entries
    std::optional<SymbolTable> symbols;
    std::optional<std::uint64_t> versym_offset;  // one 16-bit entry per symbol
    std::optional<VersionTable> needs;
    std::optional<VersionTable> definitions;
};

// The strings copied out of the image for one table (the dynamic section's names, .dynsym, a version
// table), counted against the limits: one string at most max_elf_string_length bytes, all of them (each
// copy counts, so a thousand symbols naming one long string cost a thousand times its length) at most
// max_elf_string_bytes. Exceeding either throws Error naming the file, the table and the limit.
class StringBudget {
  public:
    // artifact, when given, counts every byte taken too.
    StringBudget(const ByteReader& reader, const InputLimits& limits, std::string_view table,
                 ElfBudget* artifact = nullptr)
        : m_reader(reader), m_limits(limits), m_table(table), m_artifact(artifact) {}

    // The NUL-terminated string at index in strings; what names it in errors.
    std::string take(const StringTable& strings, std::uint64_t index, std::string_view what);
    // Counts another copy of bytes already taken.
    void count(std::uint64_t bytes);

  private:
    const ByteReader& m_reader;
    const InputLimits& m_limits;
    std::string_view m_table;
    ElfBudget* m_artifact;
    std::uint64_t m_used = 0;
};

// Fills info.version_needs, info.version_definitions and info.dynamic_symbols; .dynsym may have at
// most limits.max_elf_symbols entries, and each table's strings are counted by a StringBudget; budget,
// when given, counts the strings and the symbols.
void read_symbols_and_versions(const ByteReader& reader, const SymbolTables& tables, ElfInfo& info,
                               const InputLimits& limits = {}, ElfBudget* budget = nullptr);

// The number of symbol table entries (the null symbol included) that a DT_HASH table at
// offset covers: the symbol count of a file without section headers.
std::uint64_t sysv_hash_symbol_count(const ByteReader& reader, std::uint64_t offset);
// The same from a DT_GNU_HASH table; nullopt when it hashes no symbol at all, since its header
// then does not tell how many unhashed (undefined) symbols precede.
std::optional<std::uint64_t> gnu_hash_symbol_count(const ByteReader& reader, std::uint64_t offset, bool wide);

}  // namespace xbuild::elf
