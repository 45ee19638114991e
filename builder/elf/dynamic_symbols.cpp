#include "builder/elf/dynamic_symbols.hpp"

#include <cstddef>
#include <map>
#include <string>

#include "builder/core/error.hpp"
#include "builder/elf/layout.hpp"

namespace xbuild::elf {

namespace {

// The version structures are the same in both classes (layout.hpp checks it).
using Verneed = Elf64_Verneed;
using Vernaux = Elf64_Vernaux;
using Verdef = Elf64_Verdef;
using Verdaux = Elf64_Verdaux;
constexpr std::uint16_t k_version_index_mask = 0x7fff;  // bit 15 (VERSYM_HIDDEN) marks a hidden definition

// Entries of a version chain are at least one entry apart and never overlap in a real file,
// so there can be no more of them than fit in the file; this bounds every loop below.
class EntryBudget {
  public:
    EntryBudget(const ByteReader& reader, std::string_view table)
        : m_left(reader.size() / 8 + 1), m_reader(reader), m_table(table) {}
    void take() {
        if (m_left-- == 0)
            fail("{}: corrupt ELF: {} has more entries than fit in the file", m_reader.name(), m_table);
    }

  private:
    std::uint64_t m_left;
    const ByteReader& m_reader;
    std::string_view m_table;
};

std::uint64_t next_entry(const ByteReader& reader, std::uint64_t offset, std::uint64_t step,
                         std::uint64_t min_step, std::string_view table) {
    if (step < min_step)
        fail("{}: corrupt ELF: {} entry at byte {} links to an overlapping entry {} bytes on", reader.name(),
             table, offset, step);
    return saturating_add(offset, step);
}

void read_needs(const ByteReader& reader, const VersionTable& table, ElfInfo& info,
                std::map<std::uint16_t, std::string>& names, const InputLimits& limits, ElfBudget* artifact) {
    constexpr std::string_view what = ".gnu.version_r";
    EntryBudget budget(reader, what);
    StringBudget strings(reader, limits, what, artifact);
    std::uint64_t offset = table.offset;
    for (std::uint64_t n = 0; table.count == 0 || n < table.count; ++n) {
        budget.take();
        reader.require(offset, sizeof(Verneed), ".gnu.version_r entry");
        std::uint16_t revision = reader.u16(offset + offsetof(Verneed, vn_version), ".gnu.version_r entry");
        if (revision != VER_NEED_CURRENT)
            fail("{}: corrupt ELF: {} entry at byte {} has unknown revision {}", reader.name(), what, offset,
                 revision);
        std::uint16_t aux_count = reader.u16(offset + offsetof(Verneed, vn_cnt), ".gnu.version_r entry");
        std::uint32_t file = reader.u32(offset + offsetof(Verneed, vn_file), ".gnu.version_r entry");
        std::uint32_t aux = reader.u32(offset + offsetof(Verneed, vn_aux), ".gnu.version_r entry");
        std::uint32_t next = reader.u32(offset + offsetof(Verneed, vn_next), ".gnu.version_r entry");
        VersionNeed need{strings.take(table.strings, file, ".gnu.version_r file name"), {}};
        std::uint64_t aux_offset = saturating_add(offset, aux);
        for (std::uint16_t k = 0; k < aux_count; ++k) {
            budget.take();
            constexpr std::string_view entry = ".gnu.version_r version entry";
            reader.require(aux_offset, sizeof(Vernaux), entry);
            std::uint16_t index = reader.u16(aux_offset + offsetof(Vernaux, vna_other), entry);
            std::uint32_t name = reader.u32(aux_offset + offsetof(Vernaux, vna_name), entry);
            std::uint32_t aux_next = reader.u32(aux_offset + offsetof(Vernaux, vna_next), entry);
            need.versions.push_back(strings.take(table.strings, name, ".gnu.version_r version name"));
            strings.count(need.versions.back().size());
            names[index & k_version_index_mask] = need.versions.back();
            if (aux_next == 0) break;
            aux_offset = next_entry(reader, aux_offset, aux_next, sizeof(Vernaux), what);
        }
        info.version_needs.push_back(std::move(need));
        if (next == 0) break;
        offset = next_entry(reader, offset, next, sizeof(Verneed), what);
    }
}

void read_definitions(const ByteReader& reader, const VersionTable& table, ElfInfo& info,
                      std::map<std::uint16_t, std::string>& names, const InputLimits& limits,
                      ElfBudget* artifact) {
    constexpr std::string_view what = ".gnu.version_d";
    EntryBudget budget(reader, what);
    StringBudget strings(reader, limits, what, artifact);
    std::uint64_t offset = table.offset;
    for (std::uint64_t n = 0; table.count == 0 || n < table.count; ++n) {
        budget.take();
        reader.require(offset, sizeof(Verdef), ".gnu.version_d entry");
        std::uint16_t revision = reader.u16(offset + offsetof(Verdef, vd_version), ".gnu.version_d entry");
        if (revision != VER_DEF_CURRENT)
            fail("{}: corrupt ELF: {} entry at byte {} has unknown revision {}", reader.name(), what, offset,
                 revision);
        std::uint16_t flags = reader.u16(offset + offsetof(Verdef, vd_flags), ".gnu.version_d entry");
        std::uint16_t index = reader.u16(offset + offsetof(Verdef, vd_ndx), ".gnu.version_d entry");
        std::uint16_t aux_count = reader.u16(offset + offsetof(Verdef, vd_cnt), ".gnu.version_d entry");
        std::uint32_t aux = reader.u32(offset + offsetof(Verdef, vd_aux), ".gnu.version_d entry");
        std::uint32_t next = reader.u32(offset + offsetof(Verdef, vd_next), ".gnu.version_d entry");
        if (aux_count > 0) {
            // The first Verdaux names the version; the others name its parents.
            std::uint32_t name =
                reader.u32(saturating_add(saturating_add(offset, aux), offsetof(Verdaux, vda_name)),
                           ".gnu.version_d name entry");
            std::string version = strings.take(table.strings, name, ".gnu.version_d version name");
            strings.count(version.size());
            names[index & k_version_index_mask] = version;
            if ((flags & VER_FLG_BASE) == 0) info.version_definitions.push_back(std::move(version));
        }
        if (next == 0) break;
        offset = next_entry(reader, offset, next, sizeof(Verdef), what);
    }
}

void read_symbols(const ByteReader& reader, const SymbolTables& tables, ElfInfo& info,
                  const std::map<std::uint16_t, std::string>& names, const InputLimits& limits,
                  ElfBudget* artifact) {
    const SymbolTable& table = *tables.symbols;
    const Layout& l = layout(tables.wide);
    const std::uint64_t entry_size = l.sym_size;

    StringBudget strings(reader, limits, ".dynsym", artifact);
    if (table.count > reader.size() / entry_size)
        fail("{}: truncated ELF: .dynsym has {} entries of {} bytes, more than the {}-byte file holds",
             reader.name(), table.count, entry_size, reader.size());
    reader.require(table.offset, table.count * entry_size, ".dynsym");
    if (table.count > 0 && table.count - 1 > limits.max_elf_symbols)
        fail("{}: .dynsym has {} symbols, more than the limit of {} (XBUILD_MAX_ELF_SYMBOLS)", reader.name(),
             table.count - 1, limits.max_elf_symbols);
    constexpr std::uint64_t versym_size = sizeof(Elf64_Versym);
    if (tables.versym_offset)
        reader.require(*tables.versym_offset, table.count * versym_size, ".gnu.version");
    info.dynamic_symbols.reserve(table.count);
    for (std::uint64_t i = 1; i < table.count; ++i) {
        std::uint64_t entry = table.offset + i * entry_size;
        std::uint32_t name_index = reader.u32(entry + l.st_name, ".dynsym entry");
        std::uint16_t section = reader.u16(entry + l.st_shndx, ".dynsym entry");
        std::uint8_t st_info = reader.u8(entry + l.st_info, ".dynsym entry");
        Symbol symbol;
        symbol.name = strings.take(table.strings, name_index, ".dynsym symbol name");
        if (symbol.name.empty()) continue;  // section symbols
        symbol.defined = section != SHN_UNDEF;
        symbol.weak = ELF64_ST_BIND(st_info) == STB_WEAK;  // the same bits in ELF32_ST_BIND
        if (tables.versym_offset) {
            std::uint16_t index =
                reader.u16(*tables.versym_offset + versym_size * i, ".gnu.version") & k_version_index_mask;
            if (index > VER_NDX_GLOBAL) {  // VER_NDX_LOCAL, VER_NDX_GLOBAL: unversioned
                auto found = names.find(index);
                if (found == names.end())
                    fail("{}: corrupt ELF: symbol {} has version index {}, which no version entry defines",
                         reader.name(), symbol.name, index);
                strings.count(found->second.size());
                symbol.version = found->second;
            }
        }
        if (artifact) artifact->take(sizeof symbol, reader.name());
        info.dynamic_symbols.push_back(std::move(symbol));
    }
}

}  // namespace

std::string StringBudget::take(const StringTable& strings, std::uint64_t index, std::string_view what) {
    if (index >= strings.size)
        fail("{}: corrupt ELF: {} has string index {} beyond its {}-byte string table", m_reader.name(), what,
             index, strings.size);
    const std::string_view text = m_reader.string_at(saturating_add(strings.offset, index),
                                                     saturating_add(strings.offset, strings.size), what,
                                                     m_limits.max_elf_string_length);
    count(text.size());
    return std::string(text);
}

void StringBudget::count(std::uint64_t bytes) {
    if (m_artifact) m_artifact->take(bytes, m_reader.name());
    m_used = saturating_add(m_used, bytes);
    if (m_used > m_limits.max_elf_string_bytes)
        fail("{}: the strings read for {} exceed the limit of {} (XBUILD_MAX_ELF_STRING_BYTES)",
             m_reader.name(), m_table, format_size(m_limits.max_elf_string_bytes));
}

void read_symbols_and_versions(const ByteReader& reader, const SymbolTables& tables, ElfInfo& info,
                               const InputLimits& limits, ElfBudget* artifact) {
    std::map<std::uint16_t, std::string> names;
    if (tables.needs) read_needs(reader, *tables.needs, info, names, limits, artifact);
    if (tables.definitions) read_definitions(reader, *tables.definitions, info, names, limits, artifact);
    if (tables.symbols) read_symbols(reader, tables, info, names, limits, artifact);
}

std::optional<std::uint64_t> gnu_hash_symbol_count(const ByteReader& reader, std::uint64_t offset,
                                                   bool wide) {
    std::uint32_t buckets = reader.u32(offset, "DT_GNU_HASH header");
    std::uint32_t first_symbol = reader.u32(offset + 4, "DT_GNU_HASH header");
    std::uint32_t bloom_words = reader.u32(offset + 8, "DT_GNU_HASH header");
    reader.u32(offset + 12, "DT_GNU_HASH header");
    std::uint64_t bucket_offset = offset + 16 + std::uint64_t{bloom_words} * (wide ? 8 : 4);
    reader.require(bucket_offset, std::uint64_t{buckets} * 4, "DT_GNU_HASH buckets");
    std::uint32_t last = 0;
    for (std::uint32_t i = 0; i < buckets; ++i) {
        std::uint32_t start = reader.u32(bucket_offset + 4 * std::uint64_t{i}, "DT_GNU_HASH buckets");
        if (start > last) last = start;
    }
    if (last == 0) return std::nullopt;  // no hashed symbols
    if (last < first_symbol)
        fail("{}: corrupt ELF: DT_GNU_HASH bucket starts at symbol {}, below its first hashed symbol {}",
             reader.name(), last, first_symbol);
    // Follow the last bucket's chain to the entry with the end bit: that is the last symbol.
    std::uint64_t chain_offset = bucket_offset + std::uint64_t{buckets} * 4;
    for (std::uint64_t index = last;; ++index) {
        std::uint32_t hash = reader.u32(chain_offset + 4 * (index - first_symbol), "DT_GNU_HASH chain");
        if (hash & 1) return index + 1;
    }
}

std::uint64_t sysv_hash_symbol_count(const ByteReader& reader, std::uint64_t offset) {
    std::uint32_t buckets = reader.u32(offset, "DT_HASH header");
    std::uint32_t chains = reader.u32(offset + 4, "DT_HASH header");
    reader.require(offset + 8, (std::uint64_t{buckets} + chains) * 4, "DT_HASH table");
    return chains;
}

}  // namespace xbuild::elf
