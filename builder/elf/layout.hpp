#pragma once
// Where the fields the readers use lie in each ELF structure, for both classes, taken from <elf.h>'s
// own types (offsetof and sizeof), so no offset or size is written as a number. Byte order is the
// ByteReader's business; this says only where to read and how wide.
#include <elf.h>

#include <cstddef>
#include <cstdint>

namespace xbuild::elf {

struct Layout {
    // Elf{32,64}_Ehdr
    std::uint64_t ehdr_size, e_type, e_machine, e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum;
    // Elf{32,64}_Phdr
    std::uint64_t phdr_size, p_type, p_offset, p_vaddr, p_filesz;
    // Elf{32,64}_Shdr
    std::uint64_t shdr_size, sh_type, sh_offset, sh_size, sh_link, sh_info;
    // Elf{32,64}_Dyn: d_tag then d_un, each a word
    std::uint64_t dyn_size, d_tag, d_val;
    // Elf{32,64}_Sym
    std::uint64_t sym_size, st_name, st_info, st_shndx;
};

template <class Ehdr, class Phdr, class Shdr, class Dyn, class Sym>
constexpr Layout make_layout() {
    return {sizeof(Ehdr),
            offsetof(Ehdr, e_type),
            offsetof(Ehdr, e_machine),
            offsetof(Ehdr, e_phoff),
            offsetof(Ehdr, e_shoff),
            offsetof(Ehdr, e_phentsize),
            offsetof(Ehdr, e_phnum),
            offsetof(Ehdr, e_shentsize),
            offsetof(Ehdr, e_shnum),
            sizeof(Phdr),
            offsetof(Phdr, p_type),
            offsetof(Phdr, p_offset),
            offsetof(Phdr, p_vaddr),
            offsetof(Phdr, p_filesz),
            sizeof(Shdr),
            offsetof(Shdr, sh_type),
            offsetof(Shdr, sh_offset),
            offsetof(Shdr, sh_size),
            offsetof(Shdr, sh_link),
            offsetof(Shdr, sh_info),
            sizeof(Dyn),
            offsetof(Dyn, d_tag),
            offsetof(Dyn, d_un),
            sizeof(Sym),
            offsetof(Sym, st_name),
            offsetof(Sym, st_info),
            offsetof(Sym, st_shndx)};
}

inline constexpr Layout k_layout32 = make_layout<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr, Elf32_Dyn, Elf32_Sym>();
inline constexpr Layout k_layout64 = make_layout<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Dyn, Elf64_Sym>();

constexpr const Layout& layout(bool wide) {
    return wide ? k_layout64 : k_layout32;
}

// The version structures have one layout for both classes.
static_assert(sizeof(Elf32_Verneed) == sizeof(Elf64_Verneed) &&
              sizeof(Elf32_Vernaux) == sizeof(Elf64_Vernaux) &&
              sizeof(Elf32_Verdef) == sizeof(Elf64_Verdef) && sizeof(Elf32_Verdaux) == sizeof(Elf64_Verdaux));

}  // namespace xbuild::elf
