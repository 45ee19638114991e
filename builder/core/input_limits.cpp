#include "builder/core/input_limits.hpp"

#include <cstdlib>
#include <limits>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild {

std::uint64_t parse_size(std::string_view text, std::string_view what) {
    auto refuse = [&] {
        fail("{}: '{}' is not a positive size (bytes, or a number with K, M, G or T)", what,
             text::printable(text));
    };
    if (text.empty()) refuse();
    unsigned shift = 0;
    switch (text.back() | 0x20) {
        case 'k':
            shift = 10;
            break;
        case 'm':
            shift = 20;
            break;
        case 'g':
            shift = 30;
            break;
        case 't':
            shift = 40;
            break;
        default:
            break;
    }
    if (shift != 0) text.remove_suffix(1);
    if (text.empty() || text.size() > 19) refuse();
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') refuse();
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > std::numeric_limits<std::uint64_t>::max() >> shift) refuse();
    return value << shift;
}

std::string format_size(std::uint64_t bytes) {
    static constexpr const char* k_units[] = {"KiB", "MiB", "GiB", "TiB"};
    for (int unit = 3; unit >= 0; --unit) {
        const unsigned shift = 10 * (unit + 1);
        if (bytes >= (std::uint64_t{1} << shift) && bytes % (std::uint64_t{1} << shift) == 0)
            return fmt::format("{} {}", bytes >> shift, k_units[unit]);
    }
    return fmt::format("{} bytes", bytes);
}

InputLimits InputLimits::from_environment() {
    InputLimits limits;
    const std::pair<const char*, std::uint64_t InputLimits::*> variables[] = {
        {"XBUILD_MAX_UNPACKED_SIZE", &InputLimits::max_unpacked_size},
        {"XBUILD_MAX_COMPRESSION_RATIO", &InputLimits::max_compression_ratio},
        {"XBUILD_MAX_ARCHIVE_ENTRIES", &InputLimits::max_entries},
        {"XBUILD_MAX_SDIST_SIZE", &InputLimits::max_sdist_size},
        {"XBUILD_MAX_METADATA_SIZE", &InputLimits::max_metadata_size},
        {"XBUILD_MAX_ELF_SYMBOLS", &InputLimits::max_elf_symbols},
        {"XBUILD_MAX_ELF_STRING_LENGTH", &InputLimits::max_elf_string_length},
        {"XBUILD_MAX_ELF_STRING_BYTES", &InputLimits::max_elf_string_bytes},
        {"XBUILD_MAX_ELF_TOTAL_BYTES", &InputLimits::max_elf_total_bytes},
    };
    for (const auto& [name, field] : variables)
        if (const char* value = std::getenv(name); value && *value) limits.*field = parse_size(value, name);
    return limits;
}

}  // namespace xbuild
