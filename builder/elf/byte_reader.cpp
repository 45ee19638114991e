#include "builder/elf/byte_reader.hpp"

#include <limits>

#include "builder/core/error.hpp"

namespace xbuild::elf {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return b > std::numeric_limits<std::uint64_t>::max() - a ? std::numeric_limits<std::uint64_t>::max()
                                                             : a + b;
}

bool ByteReader::contains(std::uint64_t offset, std::uint64_t length) const {
    return offset <= size() && length <= size() - offset;
}

void ByteReader::require(std::uint64_t offset, std::uint64_t length, std::string_view what) const {
    if (contains(offset, length)) return;
    std::uint64_t end = saturating_add(offset, length);
    if (end == std::numeric_limits<std::uint64_t>::max())
        fail("{}: truncated ELF: {} at byte {} with {} bytes lies beyond the end of the {}-byte file", m_name,
             what, offset, length, size());
    fail("{}: truncated ELF: {} ends at byte {} of {}", m_name, what, end, size());
}

std::uint64_t ByteReader::read(std::uint64_t offset, unsigned width, std::string_view what) const {
    require(offset, width, what);
    std::uint64_t value = 0;
    for (unsigned i = 0; i < width; ++i) {
        unsigned index = m_little_endian ? width - 1 - i : i;
        value = (value << 8) | static_cast<unsigned char>(m_bytes[offset + index]);
    }
    return value;
}

std::uint8_t ByteReader::u8(std::uint64_t offset, std::string_view what) const {
    return static_cast<std::uint8_t>(read(offset, 1, what));
}

std::uint16_t ByteReader::u16(std::uint64_t offset, std::string_view what) const {
    return static_cast<std::uint16_t>(read(offset, 2, what));
}

std::uint32_t ByteReader::u32(std::uint64_t offset, std::string_view what) const {
    return static_cast<std::uint32_t>(read(offset, 4, what));
}

std::uint64_t ByteReader::u64(std::uint64_t offset, std::string_view what) const {
    return read(offset, 8, what);
}

std::uint64_t ByteReader::word(std::uint64_t offset, bool wide, std::string_view what) const {
    return read(offset, wide ? 8 : 4, what);
}

std::string_view ByteReader::string_at(std::uint64_t offset, std::uint64_t limit, std::string_view what,
                                       std::uint64_t max_length) const {
    if (limit > size()) limit = size();
    if (offset >= limit) {
        if (offset >= size())
            fail("{}: truncated ELF: {} starts at byte {} of {}", m_name, what, offset, size());
        fail("{}: corrupt ELF: {} starts at byte {}, past the end of its table at byte {}", m_name, what,
             offset, limit);
    }
    const bool capped = max_length < limit - offset;
    std::string_view rest = m_bytes.substr(offset, capped ? max_length + 1 : limit - offset);
    auto end = rest.find('\0');
    if (end == std::string_view::npos && capped)
        fail("{}: {} at byte {} is longer than the limit of {} bytes (XBUILD_MAX_ELF_STRING_LENGTH)", m_name,
             what, offset, max_length);
    if (end == std::string_view::npos)
        fail("{}: corrupt ELF: {} at byte {} has no terminating NUL before byte {}", m_name, what, offset,
             limit);
    return rest.substr(0, end);
}

}  // namespace xbuild::elf
