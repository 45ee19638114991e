#pragma once
// A file mapped read-only into memory (move-only RAII): parsers of large binary files (ELF) read the
// headers and tables they need through it, and only the pages they touch are ever read from disk.
#include <cstddef>
#include <filesystem>
#include <string_view>
#include <utility>

namespace xbuild::fs {

class MappedFile {
  public:
    // Throws Error "failed to open|map <path>: <reason>"; an empty file maps to no bytes.
    explicit MappedFile(const std::filesystem::path& path);
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    MappedFile(MappedFile&& other) noexcept
        : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}
    MappedFile& operator=(MappedFile&& other) noexcept {
        std::swap(m_data, other.m_data);
        std::swap(m_size, other.m_size);
        return *this;
    }
    ~MappedFile();

    std::string_view bytes() const { return {static_cast<const char*>(m_data), m_size}; }

  private:
    void* m_data = nullptr;
    std::size_t m_size = 0;
};

}  // namespace xbuild::fs
