#include "builder/elf/elf_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <optional>
#include <utility>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/mapped_file.hpp"
#include "builder/elf/byte_reader.hpp"
#include "builder/elf/dynamic_symbols.hpp"
#include "builder/elf/layout.hpp"

namespace xbuild::elf {

namespace {

struct Segment {
    std::uint32_t type = 0;
    std::uint64_t offset = 0;
    std::uint64_t address = 0;
    std::uint64_t file_size = 0;
};

struct Section {
    std::uint32_t type = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint32_t link = 0;
    std::uint32_t info = 0;
};

// The dynamic section's entries used here; addresses are still virtual addresses.
struct Dynamic {
    std::vector<std::uint64_t> needed;
    std::optional<std::uint64_t> soname, rpath, runpath;
    std::optional<std::uint64_t> strtab, strsz, symtab, syment, hash, gnu_hash;
    std::optional<std::uint64_t> versym, verneed, verneednum, verdef, verdefnum;
};

// The single-valued dynamic entries read here, and where they go.
constexpr std::pair<std::uint64_t, std::optional<std::uint64_t> Dynamic::*> k_dynamic_fields[] = {
    {DT_SONAME, &Dynamic::soname}, {DT_RPATH, &Dynamic::rpath},        {DT_RUNPATH, &Dynamic::runpath},
    {DT_STRTAB, &Dynamic::strtab}, {DT_STRSZ, &Dynamic::strsz},        {DT_SYMTAB, &Dynamic::symtab},
    {DT_SYMENT, &Dynamic::syment}, {DT_HASH, &Dynamic::hash},          {DT_GNU_HASH, &Dynamic::gnu_hash},
    {DT_VERSYM, &Dynamic::versym}, {DT_VERNEED, &Dynamic::verneed},    {DT_VERNEEDNUM, &Dynamic::verneednum},
    {DT_VERDEF, &Dynamic::verdef}, {DT_VERDEFNUM, &Dynamic::verdefnum}};

std::vector<std::string> split_paths(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(':', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

class Parser {
  public:
    Parser(std::string_view bytes, std::string_view name, bool wide, bool little_endian,
           const InputLimits& limits, ElfBudget* budget)
        : m_reader(bytes, little_endian, name),
          m_wide(wide),
          m_layout(layout(wide)),
          m_limits(limits),
          m_budget(budget) {}

    void parse(ElfInfo& info) {
        read_header(info);
        read_segments();
        read_sections();
        read_interpreter(info);
        read_dynamic();
        resolve_dynamic_strings(info);
        read_symbols_and_versions(m_reader,
                                  m_sections.empty() ? tables_from_dynamic() : tables_from_sections(), info,
                                  m_limits, m_budget);
    }

  private:
    std::string_view name() const { return m_reader.name(); }
    std::uint64_t word(std::uint64_t offset, std::string_view what) const {
        return m_reader.word(offset, m_wide, what);
    }

    // Checks that count entries of entry_size bytes at offset lie inside the file.
    void require_table(std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size,
                       std::string_view what) const {
        const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
        m_reader.require(offset, count > max / entry_size ? max : count * entry_size, what);
    }

    void read_header(ElfInfo& info) {
        const Layout& l = m_layout;
        m_reader.require(0, l.ehdr_size, "ELF header");
        info.type = m_reader.u16(l.e_type, "ELF header");
        info.machine = m_reader.u16(l.e_machine, "ELF header");
        m_phoff = word(l.e_phoff, "ELF header");
        m_shoff = word(l.e_shoff, "ELF header");
        m_phentsize = m_reader.u16(l.e_phentsize, "ELF header");
        m_phnum = m_reader.u16(l.e_phnum, "ELF header");
        m_shentsize = m_reader.u16(l.e_shentsize, "ELF header");
        m_shnum = m_reader.u16(l.e_shnum, "ELF header");
    }

    Section read_section(std::uint64_t offset) const {
        Section section;
        const Layout& l = m_layout;
        section.type = m_reader.u32(offset + l.sh_type, "section header");
        section.offset = word(offset + l.sh_offset, "section header");
        section.size = word(offset + l.sh_size, "section header");
        section.link = m_reader.u32(offset + l.sh_link, "section header");
        section.info = m_reader.u32(offset + l.sh_info, "section header");
        return section;
    }

    void read_sections() {
        if (m_shoff == 0) return;
        const std::uint64_t min_size = m_layout.shdr_size;
        if (m_shentsize < min_size)
            fail("{}: corrupt ELF: e_shentsize {} is smaller than a section header ({} bytes)", name(),
                 m_shentsize, min_size);
        // Section 0 holds the real counts when they do not fit in the ELF header.
        m_reader.require(m_shoff, m_shentsize, "section header table");
        Section first = read_section(m_shoff);
        std::uint64_t count = m_shnum != 0 ? m_shnum : first.size;
        require_table(m_shoff, count, m_shentsize, "section header table");
        m_sections.reserve(count);
        for (std::uint64_t i = 0; i < count; ++i)
            m_sections.push_back(read_section(m_shoff + i * m_shentsize));
    }

    void read_segments() {
        std::uint64_t count = m_phnum;
        if (count == PN_XNUM && m_shoff != 0) {  // the real count is in section 0's sh_info
            m_reader.require(m_shoff, m_layout.shdr_size, "section header table");
            count = read_section(m_shoff).info;
        }
        if (count == 0) return;
        const std::uint64_t min_size = m_layout.phdr_size;
        if (m_phentsize < min_size)
            fail("{}: corrupt ELF: e_phentsize {} is smaller than a program header ({} bytes)", name(),
                 m_phentsize, min_size);
        require_table(m_phoff, count, m_phentsize, "program header table");
        for (std::uint64_t i = 0; i < count; ++i) {
            std::uint64_t entry = m_phoff + i * m_phentsize;
            Segment segment;
            segment.type = m_reader.u32(entry + m_layout.p_type, "program header");
            segment.offset = word(entry + m_layout.p_offset, "program header");
            segment.address = word(entry + m_layout.p_vaddr, "program header");
            segment.file_size = word(entry + m_layout.p_filesz, "program header");
            m_segments.push_back(segment);
        }
    }

    const Segment* find_segment(std::uint32_t type) const {
        for (const Segment& segment : m_segments)
            if (segment.type == type) return &segment;
        return nullptr;
    }

    void read_interpreter(ElfInfo& info) const {
        const Segment* interp = find_segment(PT_INTERP);
        if (interp == nullptr) return;
        m_reader.require(interp->offset, interp->file_size, "PT_INTERP segment");
        info.interpreter = m_reader.string_at(interp->offset, interp->offset + interp->file_size, "PT_INTERP",
                                              m_limits.max_elf_string_length);
    }

    void read_dynamic() {
        const Segment* dynamic = find_segment(PT_DYNAMIC);
        if (dynamic == nullptr) return;
        m_reader.require(dynamic->offset, dynamic->file_size, "PT_DYNAMIC segment");
        const std::uint64_t entry_size = m_layout.dyn_size;
        for (std::uint64_t i = 0; i < dynamic->file_size / entry_size; ++i) {
            std::uint64_t entry = dynamic->offset + i * entry_size;
            std::uint64_t tag = word(entry + m_layout.d_tag, "dynamic entry");
            std::uint64_t value = word(entry + m_layout.d_val, "dynamic entry");
            if (tag == DT_NULL) return;
            if (tag == DT_NEEDED) m_dynamic.needed.push_back(value);
            for (auto [field_tag, field] : k_dynamic_fields)
                if (tag == field_tag) m_dynamic.*field = value;
        }
    }

    // The file offset of a virtual address, through the PT_LOAD segment that maps it.
    std::uint64_t to_offset(std::uint64_t address, std::string_view what) const {
        for (const Segment& segment : m_segments) {
            if (segment.type != PT_LOAD || address < segment.address) continue;
            std::uint64_t delta = address - segment.address;
            if (delta < segment.file_size) return saturating_add(segment.offset, delta);
        }
        fail("{}: corrupt ELF: {} address {:#x} is in no loadable segment", name(), what, address);
    }

    StringTable dynamic_strings() const {
        if (!m_dynamic.strtab) fail("{}: corrupt ELF: the dynamic section has no DT_STRTAB", name());
        StringTable table;
        table.offset = to_offset(*m_dynamic.strtab, "DT_STRTAB");
        if (table.offset > m_reader.size())
            fail("{}: truncated ELF: DT_STRTAB starts at byte {} of {}", name(), table.offset,
                 m_reader.size());
        table.size = m_dynamic.strsz ? *m_dynamic.strsz : m_reader.size() - table.offset;
        m_reader.require(table.offset, table.size, "dynamic string table (DT_STRSZ)");
        return table;
    }

    void resolve_dynamic_strings(ElfInfo& info) const {
        if (m_dynamic.needed.empty() && !m_dynamic.soname && !m_dynamic.rpath && !m_dynamic.runpath) return;
        StringTable strings = dynamic_strings();
        StringBudget budget(m_reader, m_limits, "the dynamic section", m_budget);
        for (std::uint64_t index : m_dynamic.needed)
            info.needed.push_back(budget.take(strings, index, "DT_NEEDED"));
        if (m_dynamic.soname) info.soname = budget.take(strings, *m_dynamic.soname, "DT_SONAME");
        if (m_dynamic.rpath) info.rpath = split_paths(budget.take(strings, *m_dynamic.rpath, "DT_RPATH"));
        if (m_dynamic.runpath)
            info.runpath = split_paths(budget.take(strings, *m_dynamic.runpath, "DT_RUNPATH"));
    }

    StringTable section_strings(std::uint32_t link, std::string_view what) const {
        if (link >= m_sections.size())
            fail("{}: corrupt ELF: {} links to section {} of {}", name(), what, link, m_sections.size());
        const Section& section = m_sections[link];
        m_reader.require(section.offset, section.size, "string table section");
        return {section.offset, section.size};
    }

    SymbolTables tables_from_sections() const {
        SymbolTables tables;
        tables.wide = m_wide;
        for (const Section& section : m_sections) {
            switch (section.type) {
                case SHT_DYNSYM:
                    if (!tables.symbols)
                        tables.symbols = SymbolTable{section.offset, section.size / m_layout.sym_size,
                                                     section_strings(section.link, ".dynsym")};
                    break;
                case SHT_GNU_versym:
                    if (!tables.versym_offset) tables.versym_offset = section.offset;
                    break;
                case SHT_GNU_verneed:
                    if (!tables.needs)
                        tables.needs = VersionTable{section.offset, section.info,
                                                    section_strings(section.link, ".gnu.version_r")};
                    break;
                case SHT_GNU_verdef:
                    if (!tables.definitions)
                        tables.definitions = VersionTable{section.offset, section.info,
                                                          section_strings(section.link, ".gnu.version_d")};
                    break;
                default:
                    break;
            }
        }
        // Sections that were stripped down to a few: fall back to the dynamic section.
        if (!tables.symbols && m_dynamic.symtab) return tables_from_dynamic();
        return tables;
    }

    std::uint64_t dynamic_symbol_count() const {
        if (m_dynamic.hash) return sysv_hash_symbol_count(m_reader, to_offset(*m_dynamic.hash, "DT_HASH"));
        if (m_dynamic.gnu_hash) {
            auto count =
                gnu_hash_symbol_count(m_reader, to_offset(*m_dynamic.gnu_hash, "DT_GNU_HASH"), m_wide);
            if (count) return *count;
        }
        // No usable hash table: the symbol table ends where the next dynamic table starts (in
        // practice .dynstr or .gnu.version follows .dynsym).
        std::uint64_t end = 0;
        for (const auto& table : {m_dynamic.strtab, m_dynamic.versym, m_dynamic.verneed, m_dynamic.verdef,
                                  m_dynamic.gnu_hash, m_dynamic.hash})
            if (table && *table > *m_dynamic.symtab && (end == 0 || *table < end)) end = *table;
        return end == 0 ? 0 : (end - *m_dynamic.symtab) / m_layout.sym_size;
    }

    SymbolTables tables_from_dynamic() const {
        SymbolTables tables;
        tables.wide = m_wide;
        if (!m_dynamic.symtab && !m_dynamic.verneed && !m_dynamic.verdef) return tables;
        StringTable strings = dynamic_strings();
        if (m_dynamic.symtab) {
            const std::uint64_t entry_size = m_layout.sym_size;
            if (m_dynamic.syment && *m_dynamic.syment != entry_size)
                fail("{}: corrupt ELF: DT_SYMENT is {}, not {}", name(), *m_dynamic.syment, entry_size);
            tables.symbols =
                SymbolTable{to_offset(*m_dynamic.symtab, "DT_SYMTAB"), dynamic_symbol_count(), strings};
        }
        if (m_dynamic.versym) tables.versym_offset = to_offset(*m_dynamic.versym, "DT_VERSYM");
        if (m_dynamic.verneed)
            tables.needs = VersionTable{to_offset(*m_dynamic.verneed, "DT_VERNEED"),
                                        m_dynamic.verneednum.value_or(0), strings};
        if (m_dynamic.verdef)
            tables.definitions = VersionTable{to_offset(*m_dynamic.verdef, "DT_VERDEF"),
                                              m_dynamic.verdefnum.value_or(0), strings};
        return tables;
    }

    ByteReader m_reader;
    bool m_wide;
    const Layout& m_layout;
    const InputLimits& m_limits;
    ElfBudget* m_budget;
    std::uint64_t m_phoff = 0;
    std::uint64_t m_shoff = 0;
    std::uint16_t m_phentsize = 0;
    std::uint16_t m_phnum = 0;
    std::uint16_t m_shentsize = 0;
    std::uint16_t m_shnum = 0;
    std::vector<Segment> m_segments;
    std::vector<Section> m_sections;
    Dynamic m_dynamic;
};

}  // namespace

std::vector<std::string> ElfInfo::undefined_versioned() const {
    std::vector<std::string> result;
    for (const Symbol& symbol : dynamic_symbols)
        if (!symbol.defined && !symbol.version.empty()) result.push_back(symbol.name + "@" + symbol.version);
    return result;
}

bool is_elf(std::string_view bytes) {
    return bytes.starts_with(ELFMAG);
}

bool is_elf_file(const std::filesystem::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("failed to open {}: {}", path.string(), errno_text(errno));
    char magic[SELFMAG];
    ssize_t got;
    do got = ::pread(fd.get(), magic, sizeof magic, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0) fail("failed to read {}: {}", path.string(), errno_text(errno));
    return is_elf(std::string_view(magic, static_cast<std::size_t>(got)));
}

void ElfBudget::take(std::uint64_t bytes, std::string_view name) {
    m_used = saturating_add(m_used, bytes);
    if (m_used > m_limit)
        fail(
            "{}: the ELF files read together take more than {} in symbols and strings "
            "(XBUILD_MAX_ELF_TOTAL_BYTES)",
            name, format_size(m_limit));
}

ElfInfo parse_elf(std::string_view bytes, std::string_view name_for_errors, const InputLimits& limits,
                  ElfBudget* budget) {
    if (!is_elf(bytes)) fail("{}: not an ELF file", name_for_errors);
    ByteReader ident(bytes, true, name_for_errors);
    ident.require(0, EI_NIDENT, "ELF identification");
    ElfInfo info;
    std::uint8_t elf_class = ident.u8(EI_CLASS, "ELF identification");
    std::uint8_t encoding = ident.u8(EI_DATA, "ELF identification");
    if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64)
        fail("{}: corrupt ELF: unknown class {} (1: 32-bit, 2: 64-bit)", name_for_errors, elf_class);
    if (encoding != ELFDATA2LSB && encoding != ELFDATA2MSB)
        fail("{}: corrupt ELF: unknown data encoding {} (1: little endian, 2: big endian)", name_for_errors,
             encoding);
    info.elf_class = elf_class == ELFCLASS64 ? 64 : 32;
    info.little_endian = encoding == ELFDATA2LSB;
    Parser(bytes, name_for_errors, elf_class == ELFCLASS64, info.little_endian, limits, budget).parse(info);
    return info;
}

ElfInfo read_elf(const std::filesystem::path& path, std::string_view name_for_errors,
                 const InputLimits& limits, ElfBudget* budget) {
    const fs::MappedFile mapped(path);
    return parse_elf(mapped.bytes(), name_for_errors.empty() ? path.string() : std::string(name_for_errors),
                     limits, budget);
}

}  // namespace xbuild::elf
