#pragma once
// SHA-256 from OpenSSL's libcrypto.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace xbuild::hash {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::string_view data);
    // Feeds a file's content from offset on, read in chunks (never whole into memory); returns the
    // number of bytes fed. Throws Error naming the path when it cannot be read.
    std::uint64_t update_file(const std::filesystem::path& path, std::uint64_t offset = 0);
    // Lower-case hex of the digest; the object can not be updated afterwards.
    std::string hex_digest();
    // The 32 bytes of the digest; the object can not be updated afterwards.
    std::string digest();

  private:
    struct State;
    std::unique_ptr<State> m_state;
};

std::string sha256_hex(std::string_view data);
// Lower-case hex of the SHA-256 of a file's content, read in chunks.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace xbuild::hash
