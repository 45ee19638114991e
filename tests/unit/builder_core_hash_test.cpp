#include <doctest/doctest.h>

#include "builder/core/hash.hpp"

using namespace xbuild;

TEST_SUITE("hash") {
    TEST_CASE("FIPS 180-2 test vectors") {
        CHECK(hash::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        CHECK(hash::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    TEST_CASE("incremental updates equal one update") {
        hash::Sha256 hasher;
        hasher.update("ab");
        hasher.update("c");
        CHECK(hasher.hex_digest() == hash::sha256_hex("abc"));
    }
}
