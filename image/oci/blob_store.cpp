#include "image/oci/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"

namespace xbuild::oci {

namespace stdfs = std::filesystem;

namespace {

// Calls consume(chunk) for every chunk of the file, in order.
template <class Consume>
void read_chunks(int fd, const stdfs::path& path, Consume&& consume) {
    static thread_local char buffer[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("failed to read {}: {}", path.string(), errno_text(errno));
        }
        if (n == 0) return;
        consume(std::string_view(buffer, static_cast<size_t>(n)));
    }
}

// The size of a stored blob, or -1 when it is missing or not a regular file.
long long stored_size(const stdfs::path& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    return st.st_size;
}

}  // namespace

BlobStore::BlobStore(stdfs::path dir) : m_dir(std::move(dir)), m_blobs(m_dir / "blobs" / "sha256") {
    fs::make_dirs(m_blobs);
}

stdfs::path BlobStore::path_of(std::string_view digest) const {
    check_digest(digest, "blob store " + m_dir.string());
    return m_blobs / digest_hex(digest);
}

bool BlobStore::has(std::string_view digest) const {
    return stored_size(path_of(digest)) >= 0;
}

Descriptor BlobStore::put(std::string_view media_type, std::string_view bytes) const {
    Descriptor descriptor{std::string(media_type), sha256_digest(bytes), bytes.size()};
    if (stored_size(path_of(descriptor.digest)) == static_cast<long long>(bytes.size())) return descriptor;
    BlobWriter writer(*this);
    writer.write(bytes);
    return writer.commit(media_type);
}

Descriptor BlobStore::put_file(std::string_view media_type, const stdfs::path& file,
                               Transfer transfer) const {
    // A file to move must be the file itself: renaming a symlink would store the link, not its target.
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | (transfer == Transfer::move ? O_NOFOLLOW : 0)));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0) fail("failed to open {}: {}", file.string(), errno_text(errno));
    if (!S_ISREG(st.st_mode)) fail("{} is not a regular file", file.string());
    if (transfer == Transfer::copy) {
        BlobWriter writer(*this);
        read_chunks(fd.get(), file, [&](std::string_view chunk) { writer.write(chunk); });
        return writer.commit(media_type);
    }
    hash::Sha256 hasher;
    std::uint64_t size = 0;
    read_chunks(fd.get(), file, [&](std::string_view chunk) {
        hasher.update(chunk);
        size += chunk.size();
    });
    fd.reset();
    Descriptor descriptor{std::string(media_type), "sha256:" + hasher.hex_digest(), size};
    const stdfs::path target = path_of(descriptor.digest);
    if (stored_size(target) == static_cast<long long>(size)) {
        ::unlink(file.c_str());
        return descriptor;
    }
    if (::rename(file.c_str(), target.c_str()) == 0) {
        ::chmod(target.c_str(), 0444);
        return descriptor;
    }
    if (errno != EXDEV)
        fail("failed to move {} to {}: {}", file.string(), target.string(), errno_text(errno));
    Descriptor copied = put_file(media_type, file, Transfer::copy);
    if (copied.digest != descriptor.digest)
        fail("{} changed while it was moved into the blob store {}", file.string(), m_dir.string());
    ::unlink(file.c_str());
    return copied;
}

std::string BlobStore::read(std::string_view digest, std::uint64_t max_size) const {
    const stdfs::path path = path_of(digest);
    const long long size = stored_size(path);
    if (size < 0) fail("blob store {}: blob {} is missing", m_dir.string(), digest);
    if (static_cast<std::uint64_t>(size) > max_size)
        fail("blob store {}: blob {} is larger than {} bytes", m_dir.string(), digest, max_size);
    std::string bytes = fs::read_file(path);
    if (sha256_digest(bytes) != digest)
        fail("blob store {}: blob {} does not match its digest (corrupt store)", m_dir.string(), digest);
    return bytes;
}

void BlobStore::check_present(const Descriptor& descriptor) const {
    const long long size = stored_size(path_of(descriptor.digest));
    if (size < 0) fail("blob store {}: blob {} is missing", m_dir.string(), descriptor.digest);
    if (static_cast<std::uint64_t>(size) != descriptor.size)
        fail("blob store {}: blob {} has {} bytes, its descriptor says {}", m_dir.string(), descriptor.digest,
             size, descriptor.size);
}

BlobWriter::BlobWriter(const BlobStore& store) : m_store(store), m_file(store.m_blobs, ".tmp-") {}

void BlobWriter::write(std::string_view bytes) {
    if (m_committed) fail("blob store {}: write after commit", m_store.m_dir.string());
    m_file.write(bytes);
    m_hash.update(bytes);
}

Descriptor BlobWriter::commit(std::string_view media_type) {
    if (m_committed) fail("blob store {}: blob committed twice", m_store.m_dir.string());
    m_committed = true;
    Descriptor descriptor{std::string(media_type), "sha256:" + m_hash.hex_digest(), m_file.size()};
    const stdfs::path target = m_store.path_of(descriptor.digest);
    if (stored_size(target) == static_cast<long long>(descriptor.size))
        m_file.discard();  // stored already (content addressed: the same bytes)
    else
        m_file.commit(target, 0444);
    return descriptor;
}

}  // namespace xbuild::oci
