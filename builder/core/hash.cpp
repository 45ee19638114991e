#include "builder/core/hash.hpp"

// The low-level SHA-256 functions are deprecated in OpenSSL 3 in favour of EVP, but EVP's
// first digest fetches a provider (~0.65 ms measured here), which is on the sandbox entry
// path (the stage key); SHA256_* run the same assembly without that set-up.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"

namespace xbuild::hash {

struct Sha256::State {
    SHA256_CTX ctx;
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {
    SHA256_Init(&m_state->ctx);
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
    SHA256_Update(&m_state->ctx, data.data(), data.size());
}

std::uint64_t Sha256::update_file(const std::filesystem::path& path, std::uint64_t offset) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("failed to open {}: {}", path.string(), errno_text(errno));
    if (offset > 0 && ::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0)
        fail("failed to read {}: {}", path.string(), errno_text(errno));
    std::uint64_t size = 0;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("failed to read {}: {}", path.string(), errno_text(errno));
        if (n == 0) return size;
        update({buffer, static_cast<size_t>(n)});
        size += static_cast<std::uint64_t>(n);
    }
}

std::string Sha256::digest() {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(digest, &m_state->ctx);
    return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string Sha256::hex_digest() {
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * SHA256_DIGEST_LENGTH);
    for (char c : digest()) {
        const auto byte = static_cast<unsigned char>(c);
        hex.push_back(digits[byte >> 4]);
        hex.push_back(digits[byte & 15]);
    }
    return hex;
}

std::string sha256_hex(std::string_view data) {
    Sha256 hasher;
    hasher.update(data);
    return hasher.hex_digest();
}

std::string sha256_file_hex(const std::filesystem::path& path) {
    Sha256 hasher;
    hasher.update_file(path);
    return hasher.hex_digest();
}

}  // namespace xbuild::hash
