#pragma once
// Reproducible image layers from a directory tree: the same tree (names, types, modes, contents,
// symlink targets) gives the same tar and the same gzip bytes, whoever owns the files and whenever
// they were touched.
//
// The tar (see TarWriter) holds every entry below root_dir (root_dir itself is not an entry), with
// relative names, sorted by the bytes of their path (so each directory comes before its contents),
// uid/gid 0, modes kept (setuid/setgid/sticky too), every mtime options.mtime. Symlinks are stored as
// symlinks with their target verbatim. Regular files with several names inside the tree (hard links,
// the same device and inode) are stored once, under the first name in the order above, and as tar
// hardlinks to it under the others, as `docker save` and image builders do. Device nodes, fifos and
// sockets are refused, as are names that are not UTF-8.
//
// root_dir is only read: entries are opened with O_NOFOLLOW and checked to be the inode that was
// listed, so a tree changed while it is written is an Error, never a wrong layer.
#include <cstdint>
#include <filesystem>
#include <string>

#include "image/oci/blob_store.hpp"
#include "image/oci/descriptor.hpp"

namespace xbuild::oci {

struct LayerOptions {
    long long mtime = 0;  // every entry's mtime: SOURCE_DATE_EPOCH
    int gzip_level = 6;   // 1 (fast) .. 9 (small)
};

struct Layer {
    std::string diff_id;            // "sha256:" of the uncompressed tar (rootfs.diff_ids of the config)
    Descriptor blob;                // the tar+gzip blob in the store (media_type::layer_tar_gzip)
    std::uint64_t tar_size = 0;     // bytes of the uncompressed tar
    std::uint64_t entry_count = 0;  // entries in the tar
};

// Writes the tree under root_dir as a gzip-compressed layer into the store, streamed: the tar is hashed
// (diff_id) and compressed, and the compressed bytes hashed and written to a temporary blob, in one pass.
// Throws Error naming root_dir and the entry for what it refuses or can not read; nothing is stored then.
Layer write_layer(const std::filesystem::path& root_dir, const BlobStore& store,
                  const LayerOptions& options = {});

}  // namespace xbuild::oci
