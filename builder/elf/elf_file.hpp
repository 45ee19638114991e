#pragma once
// What xbuild needs to know about an ELF file (an executable, a shared library, a Python
// extension): class, byte order, machine, interpreter, the dynamic section's NEEDED / SONAME /
// RPATH / RUNPATH, the symbol versions it needs and defines, and its dynamic symbols.
//
// The reader is bounds-checked throughout: malformed or truncated input gives xbuild::Error
// naming the file and what is wrong, never a crash. The dynamic section is found through
// PT_DYNAMIC and its addresses are mapped to file offsets through PT_LOAD, so stripped files
// without section headers work; .dynsym and the .gnu.version* tables come from the section
// headers when there are any, else from DT_SYMTAB / DT_VERSYM / DT_VERNEED / DT_VERDEF (the
// symbol count from DT_HASH, else DT_GNU_HASH, else where the next dynamic table starts).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "builder/core/input_limits.hpp"

namespace xbuild::elf {

// e_type values.
inline constexpr std::uint16_t et_rel = 1;
inline constexpr std::uint16_t et_exec = 2;
inline constexpr std::uint16_t et_dyn = 3;

// One DT_VERNEED entry: "libc.so.6" -> {"GLIBC_2.17", "GLIBC_2.34"}, versions in file order.
struct VersionNeed {
    std::string file;
    std::vector<std::string> versions;
};

struct Symbol {
    std::string name;
    std::string version;   // "" when unversioned (or local)
    bool defined = false;  // st_shndx != SHN_UNDEF
    bool weak = false;     // STB_WEAK: an undefined weak symbol may stay unresolved
};

struct ElfInfo {
    int elf_class = 0;  // 32 or 64
    bool little_endian = true;
    std::uint16_t machine = 0;                     // e_machine
    std::uint16_t type = 0;                        // e_type (et_exec, et_dyn, ...)
    std::string interpreter;                       // PT_INTERP, "" if none
    std::vector<std::string> needed;               // DT_NEEDED in order
    std::string soname;                            // DT_SONAME, "" if none
    std::vector<std::string> rpath, runpath;       // DT_RPATH / DT_RUNPATH split on ':'
    std::vector<VersionNeed> version_needs;        // .gnu.version_r / DT_VERNEED
    std::vector<std::string> version_definitions;  // .gnu.version_d / DT_VERDEF, without the base entry
    std::vector<Symbol> dynamic_symbols;           // .dynsym without the null symbol, in table order

    // "memcpy@GLIBC_2.14" for every undefined symbol that carries a version, in table order.
    std::vector<std::string> undefined_versioned() const;
};

// The memory taken by the facts of the ELF files of one artifact (a wheel, a prebuild), which are held
// at once: each file parsed with it counts the strings it copies out and its symbols, while it parses,
// against limits.max_elf_total_bytes; past it, parsing stops with Error naming the file and the limit.
class ElfBudget {
  public:
    explicit ElfBudget(const InputLimits& limits) : m_limit(limits.max_elf_total_bytes) {}
    // Counts bytes more for the file named name.
    void take(std::uint64_t bytes, std::string_view name);

  private:
    std::uint64_t m_limit;
    std::uint64_t m_used = 0;
};

// True when bytes start with the ELF magic "\x7fELF".
bool is_elf(std::string_view bytes);
// True when the file starts with the ELF magic (only its first bytes are read).
bool is_elf_file(const std::filesystem::path& path);
// Parses an ELF image; name_for_errors starts every error message. The symbol and string tables are
// read within limits (the max_elf_* fields: symbols per table, one string's length, the bytes of the
// strings taken from one table); past one, Error names the file, the table and the limit.
ElfInfo parse_elf(std::string_view bytes, std::string_view name_for_errors,
                  const InputLimits& limits = InputLimits::from_environment(), ElfBudget* budget = nullptr);
// Parses a file through a read-only mapping: only the headers and tables it needs are read from disk.
// Errors start with name_for_errors, else the path. budget, when given, counts what is read.
ElfInfo read_elf(const std::filesystem::path& path, std::string_view name_for_errors = {},
                 const InputLimits& limits = InputLimits::from_environment(), ElfBudget* budget = nullptr);

}  // namespace xbuild::elf
