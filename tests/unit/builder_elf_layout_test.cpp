#include <doctest/doctest.h>

#include "builder/elf/layout.hpp"

using namespace xbuild::elf;

TEST_SUITE("elf layout") {
    TEST_CASE("offsets and sizes from <elf.h> match the ELF specification's tables") {
        // The ELF-64 Object File Format and the System V ABI: header 64/52 bytes, e_machine at 18,
        // e_phoff at 32/28, e_shoff at 40/32, e_phnum at 56/44; Phdr 56/32, Shdr 64/40, Dyn 16/8, Sym 24/16.
        CHECK(k_layout64.ehdr_size == 64);
        CHECK(k_layout32.ehdr_size == 52);
        CHECK(k_layout64.e_machine == 18);
        CHECK(k_layout32.e_machine == 18);
        CHECK(k_layout64.e_phoff == 32);
        CHECK(k_layout32.e_phoff == 28);
        CHECK(k_layout64.e_shoff == 40);
        CHECK(k_layout32.e_shoff == 32);
        CHECK(k_layout64.e_phnum == 56);
        CHECK(k_layout32.e_phnum == 44);
        CHECK(k_layout64.phdr_size == 56);
        CHECK(k_layout32.phdr_size == 32);
        CHECK(k_layout64.p_filesz == 32);
        CHECK(k_layout32.p_filesz == 16);
        CHECK(k_layout64.shdr_size == 64);
        CHECK(k_layout32.shdr_size == 40);
        CHECK(k_layout64.sh_link == 40);
        CHECK(k_layout32.sh_link == 24);
        CHECK(k_layout64.dyn_size == 16);
        CHECK(k_layout32.d_val == 4);
        CHECK(k_layout64.sym_size == 24);
        CHECK(k_layout32.sym_size == 16);
        CHECK(k_layout64.st_shndx == 6);
        CHECK(k_layout32.st_shndx == 14);
        CHECK(&layout(true) == &k_layout64);
    }
}
