#include "builder/core/hash.hpp"

// The low-level SHA-256 functions are deprecated in OpenSSL 3 in favour of EVP, but EVP's
// first digest fetches a provider (~0.65 ms measured here), which is on the sandbox entry
// path (the stage key); SHA256_* run the same assembly without that set-up.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

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

std::string Sha256::hex_digest() {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(digest, &m_state->ctx);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * SHA256_DIGEST_LENGTH);
    for (unsigned char byte : digest) {
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

}  // namespace xbuild::hash
