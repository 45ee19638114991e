#include "builder/sandbox/init_steps.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"

namespace xbuild::sandbox {

namespace {
int g_error_fd = -1;
}  // namespace

void set_error_fd(int fd) {
    g_error_fd = fd;
}
int error_fd() {
    return g_error_fd;
}

[[noreturn]] void die(const std::string& step, const std::string& reason) {
    std::string message = "sandbox: " + step + ": " + reason;
    if (g_error_fd >= 0) {
        ssize_t ignored = ::write(g_error_fd, message.data(), message.size());
        (void)ignored;
    } else {
        std::fprintf(stderr, "xbuild: error: %s\n", message.c_str());
    }
    ::_exit(125);
}

[[noreturn]] void die_errno(const std::string& step, const std::string& what) {
    die(step, what + ": " + errno_text(errno));
}

namespace {

// ---- path resolution inside the new root ----

// Opens path (absolute, inside root) as an O_PATH fd, resolving symlinks as if root were "/":
// a hostile symlink in the rootfs can never make a mount land on the host. Missing
// directories are created; the last component as a directory or an empty file.
enum class Create { directory, file };

Fd open_in_root(int root_fd, const std::filesystem::path& path, Create create, const std::string& step) {
    std::filesystem::path relative = path.relative_path();
    std::filesystem::path done;
    Fd current(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
    auto components = std::vector<std::filesystem::path>(relative.begin(), relative.end());
    for (size_t i = 0; i < components.size(); ++i) {
        const auto& name = components[i];
        if (name.empty() || name == ".") continue;
        done /= name;
        bool last = i + 1 == components.size();
        open_how how{};
        how.flags = O_PATH | O_CLOEXEC;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, done.c_str(), &how, sizeof how));
        if (fd < 0 && errno == ENOENT) {
            // The parent was resolved inside root; create the entry there.
            if (!last || create == Create::directory) {
                if (::mkdirat(current.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
                    die_errno(step, "creating " + done.string());
            } else {
                Fd file(
                    ::openat(current.get(), name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
                if (!file) die_errno(step, "creating " + done.string());
            }
            fd = static_cast<int>(::syscall(SYS_openat2, root_fd, done.c_str(), &how, sizeof how));
        }
        if (fd < 0) die_errno(step, "resolving " + done.string() + " in the rootfs");
        current = Fd(fd);
    }
    return current;
}

std::string fd_path(const Fd& fd) {
    return "/proc/self/fd/" + std::to_string(fd.get());
}

void mount_at(const Fd& target, const char* source, const char* type, unsigned long flags, const char* data,
              const std::string& step) {
    if (::mount(source, fd_path(target).c_str(), type, flags, data) != 0)
        die_errno(step, std::string("mounting ") + (type ? type : source));
}

// Flags a user namespace may not drop on a bind mount: keep them on the read-only remount.
unsigned long locked_flags(const std::filesystem::path& path) {
    struct statvfs info {};
    if (::statvfs(path.c_str(), &info) != 0) return 0;
    unsigned long flags = 0;
    if (info.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (info.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (info.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (info.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (info.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (info.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

std::string escape_overlay_path(const std::string& path) {
    std::string out;
    for (char c : path) {
        if (c == ',' || c == ':' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

// ---- steps of init ----

void step_make_root_private() {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        die_errno("make / private", "mount --make-rprivate /");
}

std::filesystem::path step_overlay(const SandboxSpec& spec, bool user_namespace) {
    const auto& scratch = spec.mount_point;
    if (::mount("tmpfs", scratch.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
        die_errno("scratch tmpfs", "mounting tmpfs on " + scratch.string());
    for (const char* dir : {"upper", "work", "root"}) {
        if (::mkdir((scratch / dir).c_str(), 0755) != 0) die_errno("scratch tmpfs", "mkdir");
    }
    if (spec.layers.empty()) die("overlay", "no rootfs layer given");
    std::string lower;
    for (const auto& layer : spec.layers)
        lower += (lower.empty() ? "" : ":") + escape_overlay_path(layer.string());
    const bool persistent = !spec.upper_dir.empty();
    auto upper = persistent ? spec.upper_dir : scratch / "upper";
    auto work = persistent ? spec.work_dir : scratch / "work";
    std::string options = "lowerdir=" + lower + ",upperdir=" + escape_overlay_path(upper.string()) +
                          ",workdir=" + escape_overlay_path(work.string());
    if (user_namespace) options += ",userxattr";
    auto root = scratch / "root";
    if (::mount("overlay", root.c_str(), "overlay", 0, options.c_str()) != 0)
        die_errno("overlay", "mounting overlayfs over " + spec.layers.back().string());
    return root;
}

namespace {

// Binds source (a host path) at target inside the new root, read-only when asked.
void bind_in_root(int root_fd, const std::filesystem::path& source, const std::filesystem::path& target,
                  bool read_only, const std::string& step) {
    struct stat st;
    if (::stat(source.c_str(), &st) != 0) die_errno(step, "stat");
    const Create create = S_ISDIR(st.st_mode) ? Create::directory : Create::file;
    Fd at = open_in_root(root_fd, target, create, step);
    if (::mount(source.c_str(), fd_path(at).c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        die_errno(step, "bind mount on " + target.string());
    if (read_only) {
        // Re-open: the fd still names the entry below the new mount.
        Fd mounted = open_in_root(root_fd, target, create, step);
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(source);
        if (::mount(nullptr, fd_path(mounted).c_str(), nullptr, flags, nullptr) != 0)
            die_errno(step, "read-only remount");
    }
}

}  // namespace

void step_binds(const SandboxSpec& spec, int root_fd) {
    for (const BindMount& bind : spec.binds)
        bind_in_root(root_fd, bind.source, bind.target, bind.read_only, "bind " + bind.source.string());
    for (const auto& file : spec.extra_files)
        bind_in_root(root_fd, file, file, false, "bind " + file.string());
}

void step_proc(int root_fd) {
    Fd proc = open_in_root(root_fd, "/proc", Create::directory, "/proc");
    mount_at(proc, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, "/proc");
}

void step_dev(int root_fd, bool user_namespace) {
    Fd dev = open_in_root(root_fd, "/dev", Create::directory, "/dev");
    mount_at(dev, "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755", "/dev");
    // Real root makes the device nodes (cheap); a user namespace may not, so it binds the host's.
    const std::pair<const char*, dev_t> nodes[] = {{"null", makedev(1, 3)},    {"zero", makedev(1, 5)},
                                                   {"full", makedev(1, 7)},    {"random", makedev(1, 8)},
                                                   {"urandom", makedev(1, 9)}, {"tty", makedev(5, 0)}};
    Fd dev_fd = open_in_root(root_fd, "/dev", Create::directory, "/dev");
    for (auto [name, number] : nodes) {
        if (!user_namespace) {
            if (::mknodat(dev_fd.get(), name, S_IFCHR | 0666, number) != 0 ||
                ::fchmodat(dev_fd.get(), name, 0666, 0) != 0)  // 0666 whatever the umask
                die_errno("/dev", std::string("mknod /dev/") + name);
            continue;
        }
        std::string inside = std::string("/dev/") + name;
        Fd node = open_in_root(root_fd, inside, Create::file, "/dev");
        if (::mount(inside.c_str(), fd_path(node).c_str(), nullptr, MS_BIND, nullptr) != 0)
            die_errno("/dev", "binding " + inside);
    }
    Fd pts = open_in_root(root_fd, "/dev/pts", Create::directory, "/dev/pts");
    const char* pts_options =
        user_namespace ? "newinstance,ptmxmode=0666,mode=0620" : "newinstance,ptmxmode=0666,mode=0620,gid=5";
    mount_at(pts, "devpts", "devpts", MS_NOSUID | MS_NOEXEC, pts_options, "/dev/pts");
    Fd shm = open_in_root(root_fd, "/dev/shm", Create::directory, "/dev/shm");
    mount_at(shm, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", "/dev/shm");
    Fd dev_dir(::openat(root_fd, "dev", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!dev_dir) die_errno("/dev", "opening /dev");
    const std::pair<const char*, const char*> links[] = {{"ptmx", "pts/ptmx"},
                                                         {"fd", "/proc/self/fd"},
                                                         {"stdin", "/proc/self/fd/0"},
                                                         {"stdout", "/proc/self/fd/1"},
                                                         {"stderr", "/proc/self/fd/2"}};
    for (auto [name, target] : links) {
        if (::symlinkat(target, dev_dir.get(), name) != 0)
            die_errno("/dev", std::string("symlink /dev/") + name);
    }
}

void step_tmp(int root_fd) {
    Fd tmp = open_in_root(root_fd, "/tmp", Create::directory, "/tmp");
    mount_at(tmp, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", "/tmp");
}

void step_host_network_files(const SandboxSpec& spec, int root_fd) {
    if (!spec.network) return;
    // Name resolution, and the TLS trust of the host: where egress goes through a proxy that
    // re-signs TLS, only the host's CA bundle (with the proxy's CA) lets npm or pip connect.
    // Read-only: nothing in the sandbox may edit the host's files.
    for (const char* file : {"/etc/resolv.conf", "/etc/ssl/certs/ca-certificates.crt"})
        if (::access(file, R_OK) == 0) bind_in_root(root_fd, file, file, true, file);
}

void step_pivot_root(const std::filesystem::path& new_root) {
    if (::chdir(new_root.c_str()) != 0) die_errno("pivot_root", "chdir " + new_root.string());
    if (::syscall(SYS_pivot_root, ".", ".") != 0) die_errno("pivot_root", "pivot_root");
    if (::umount2(".", MNT_DETACH) != 0) die_errno("pivot_root", "detaching the old root");
    if (::chdir("/") != 0) die_errno("pivot_root", "chdir /");
}

void step_loopback() {
    Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) die_errno("loopback", "socket");
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) die_errno("loopback", "SIOCGIFFLAGS lo");
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0) die_errno("loopback", "bringing lo up");
}

}  // namespace xbuild::sandbox
