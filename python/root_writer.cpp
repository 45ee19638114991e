#include "python/root_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::python {

namespace {

// Writes all of data to fd; false (errno set) on failure.
bool write_all(int fd, const char* data, size_t size) {
    for (size_t done = 0; done < size;) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

RootWriter::RootWriter(const std::filesystem::path& root)
    : m_root(root), m_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (!m_fd) fail("failed to open the image root {}: {}", root.string(), errno_text(errno));
}

void RootWriter::create(std::string_view relative, const FileContent& content, unsigned mode,
                        std::string_view label) const {
    const std::vector<std::string_view> parts = text::split(relative, '/');
    for (std::string_view part : parts)
        if (part.empty() || part == "." || part == "..")
            fail("{}: destination '{}' escapes the image root", label, text::printable(relative));
    Fd holder;
    int dir = m_fd.get();
    std::string walked;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        const std::string name(parts[i]);
        walked += (walked.empty() ? "" : "/") + name;
        const bool created = ::mkdirat(dir, name.c_str(), 0755) == 0;
        if (!created && errno != EEXIST) refuse(label, walked, errno);
        Fd next(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next) refuse(label, walked, errno, dir, name);
        if (created && ::fchmod(next.get(), 0755) != 0) refuse(label, walked, errno);
        holder = std::move(next);
        dir = holder.get();
    }
    const std::string name(parts.back());
    Fd file(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file) refuse(label, relative, errno, dir, name);
    if (!write_all(file.get(), content.head.data(), content.head.size())) refuse(label, relative, errno);
    if (content.file) {
        Fd in(::open(content.file->c_str(), O_RDONLY | O_CLOEXEC));
        if (!in) fail("failed to open {}: {}", content.file->string(), errno_text(errno));
        char buffer[65536];
        for (off_t at = static_cast<off_t>(content.offset);;) {
            const ssize_t n = ::pread(in.get(), buffer, sizeof buffer, at);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("failed to read {}: {}", content.file->string(), errno_text(errno));
            if (n == 0) break;
            if (!write_all(file.get(), buffer, static_cast<size_t>(n))) refuse(label, relative, errno);
            at += n;
        }
    }
    if (::fchmod(file.get(), mode) != 0) refuse(label, relative, errno);
}

// Throws for a failed step at relative; a symlink or an existing entry there is named as such.
void RootWriter::refuse(std::string_view label, std::string_view relative, int error, int dir,
                        const std::string& name) const {
    const std::string host = (m_root / relative).string();
    struct stat st {};
    if (dir >= 0 && ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) fail("{}: {} is a symlink; refusing to install through it", label, host);
        if (error == EEXIST) fail("{}: {} exists already; refusing to replace it", label, host);
    }
    fail("{}: failed to create {}: {}", label, host, errno_text(error));
}

}  // namespace xbuild::python
