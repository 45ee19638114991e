#pragma once
// Bounds-checked, endian-aware reads from an in-memory ELF image. Every read says what it
// reads; a read that does not fit throws xbuild::Error naming the file, the item and where it
// ends ("libfoo.so: truncated ELF: section header table ends at byte 9000 of 4096").
#include <cstdint>
#include <string>
#include <string_view>

namespace xbuild::elf {

// a + b, or UINT64_MAX when the sum does not fit (offsets read from a file can be anything).
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b);

class ByteReader {
  public:
    ByteReader(std::string_view bytes, bool little_endian, std::string_view name)
        : m_bytes(bytes), m_little_endian(little_endian), m_name(name) {}

    std::uint64_t size() const { return m_bytes.size(); }
    std::string_view name() const { return m_name; }

    // True when [offset, offset + length) lies inside the image.
    bool contains(std::uint64_t offset, std::uint64_t length) const;
    // Throws "truncated ELF: {what} ends at byte N of SIZE" unless contains(offset, length).
    void require(std::uint64_t offset, std::uint64_t length, std::string_view what) const;

    std::uint8_t u8(std::uint64_t offset, std::string_view what) const;
    std::uint16_t u16(std::uint64_t offset, std::string_view what) const;
    std::uint32_t u32(std::uint64_t offset, std::string_view what) const;
    std::uint64_t u64(std::uint64_t offset, std::string_view what) const;
    // An address-sized field: 8 bytes when wide (ELF64), else 4.
    std::uint64_t word(std::uint64_t offset, bool wide, std::string_view what) const;
    // The NUL-terminated string starting at offset, which must end before limit (clamped to
    // the image's end) and be at most max_length bytes long (only that far is searched for its NUL);
    // throws when it does not.
    std::string_view string_at(std::uint64_t offset, std::uint64_t limit, std::string_view what,
                               std::uint64_t max_length = UINT64_MAX) const;

  private:
    std::uint64_t read(std::uint64_t offset, unsigned width, std::string_view what) const;

    std::string_view m_bytes;
    bool m_little_endian;
    std::string_view m_name;
};

}  // namespace xbuild::elf
