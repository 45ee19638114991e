#pragma once
// A content-addressed blob store in a directory, laid out as the blobs/ part of an OCI image layout:
// <dir>/blobs/sha256/<hex>. Blobs are written to a temporary file in blobs/sha256 (".tmp-*", never a
// valid digest name) and renamed to their digest, so a blob present under its name is complete; they
// are read-only (0444) once stored. Digests given to the store are checked before they become paths.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "builder/core/atomic_file.hpp"
#include "builder/core/hash.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::oci {

class BlobStore {
  public:
    // Uses dir as the store, creating dir/blobs/sha256 when missing.
    explicit BlobStore(std::filesystem::path dir);

    const std::filesystem::path& dir() const { return m_dir; }

    // Stores bytes under their digest unless a blob of that digest and size is there already.
    Descriptor put(std::string_view media_type, std::string_view bytes) const;

    enum class Transfer { copy, move };
    // Stores the file's content, streamed and hashed (never held in memory). With Transfer::move the file
    // is renamed into the store when it is on the same file system (copied and then removed otherwise); it
    // must then be a regular file, not a symlink. Throws Error naming the file for anything else.
    Descriptor put_file(std::string_view media_type, const std::filesystem::path& file,
                        Transfer transfer = Transfer::copy) const;

    // dir/blobs/sha256/<hex>; throws Error for an invalid digest.
    std::filesystem::path path_of(std::string_view digest) const;
    // True when a blob of that digest is stored (as a regular file).
    bool has(std::string_view digest) const;
    // The blob's bytes, re-hashed: throws Error naming the store and digest when it is missing, larger
    // than max_size, or does not match its digest (a corrupt store).
    std::string read(std::string_view digest, std::uint64_t max_size = std::uint64_t{64} << 20) const;
    // Throws Error when the blob is missing or its size differs from descriptor.size (no re-hash:
    // for layers that are streamed elsewhere).
    void check_present(const Descriptor& descriptor) const;

  private:
    friend class BlobWriter;
    std::filesystem::path m_dir;
    std::filesystem::path m_blobs;
};

// Streams one blob into a store: bytes are hashed as they are written to a temporary file in the
// store; commit() renames it to its digest name. Destroyed uncommitted (an error on the way), the
// temporary file is removed.
class BlobWriter {
  public:
    explicit BlobWriter(const BlobStore& store);
    BlobWriter(const BlobWriter&) = delete;
    BlobWriter& operator=(const BlobWriter&) = delete;

    void write(std::string_view bytes);
    std::uint64_t size() const { return m_file.size(); }
    // Finishes the blob and returns its descriptor; the writer can not be used afterwards.
    Descriptor commit(std::string_view media_type);

  private:
    const BlobStore& m_store;
    fs::AtomicFile m_file;
    hash::Sha256 m_hash;
    bool m_committed = false;
};

}  // namespace xbuild::oci
