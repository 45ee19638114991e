#include "builder/sandbox/init_steps.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/linux_abi.hpp"

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

// The entry at path inside root as an O_PATH fd, resolved as open_in_root does; an empty Fd when it
// does not exist (nothing is created).
Fd open_existing_in_root(int root_fd, const std::filesystem::path& path) {
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return Fd(
        static_cast<int>(::syscall(SYS_openat2, root_fd, path.relative_path().c_str(), &how, sizeof how)));
}

std::string fd_path(const Fd& fd) {
    return "/proc/self/fd/" + std::to_string(fd.get());
}

void mount_at(const Fd& target, const char* source, const char* type, unsigned long flags, const char* data,
              const std::string& step) {
    if (::mount(source, fd_path(target).c_str(), type, flags, data) != 0)
        die_errno(step, std::string("mounting ") + (type ? type : source));
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

std::filesystem::path step_overlay(const SandboxSpec& spec) {
    // Upper and work directories on disk, in the run's scratch directory (or a layer being built):
    // a build that writes gigabytes fills the cache's disk, not the machine's RAM.
    const auto& scratch = spec.scratch_dir;
    if (scratch.empty()) die("overlay", "no scratch directory given");
    if (spec.layers.empty()) die("overlay", "no rootfs layer given");
    std::string lower;
    for (const auto& layer : spec.layers)
        lower += (lower.empty() ? "" : ":") + escape_overlay_path(layer.string());
    const bool persistent = !spec.upper_dir.empty();
    auto upper = persistent ? spec.upper_dir : scratch / "upper";
    auto work = persistent ? spec.work_dir : scratch / "work";
    // userxattr: the overlay is mounted in the sandbox's user namespace, where trusted.* xattrs are
    // out of reach.
    std::string options = "lowerdir=" + lower + ",upperdir=" + escape_overlay_path(upper.string()) +
                          ",workdir=" + escape_overlay_path(work.string()) + ",userxattr";
    // A run's scratch upper layer is thrown away afterwards: no sync of the cache's disk when the
    // overlay goes (that sync cost more than the whole sandbox entry). A layer being built is kept.
    if (!persistent) options += ",volatile";
    // Mounted over the scratch directory itself (upper and work stay reachable to the kernel, which
    // holds them since the mount): no mount point to make and remove per run.
    const auto& root = scratch;
    if (::mount("overlay", root.c_str(), "overlay", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
        die_errno("overlay", "mounting overlayfs over " + spec.layers.back().string());
    return root;
}

namespace {

// Sets attributes on the mount at fd and on every mount below it: a read-only bind is read-only all
// the way down (submounts of the source included), and nothing in a bind is setuid or a device.
void set_mount_attributes(const Fd& mount, std::uint64_t attributes, const std::string& step) {
    mount_attr attr{};
    attr.attr_set = attributes;
    if (::syscall(SYS_mount_setattr, mount.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
        die_errno(step, "setting mount attributes");
}

// Binds source (a host path) at target inside the new root, with its submounts, read-only when asked.
void bind_in_root(int root_fd, const std::filesystem::path& source, const std::filesystem::path& target,
                  bool read_only, const std::string& step) {
    struct stat st;
    if (::stat(source.c_str(), &st) != 0) die_errno(step, "stat");
    const Create create = S_ISDIR(st.st_mode) ? Create::directory : Create::file;
    Fd at = open_in_root(root_fd, target, create, step);
    if (::mount(source.c_str(), fd_path(at).c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        die_errno(step, "bind mount on " + target.string());
    // Re-open: the fd still names the entry below the new mount.
    Fd mounted = open_in_root(root_fd, target, create, step);
    set_mount_attributes(mounted, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (read_only ? MOUNT_ATTR_RDONLY : 0),
                         step);
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
    // As runc does: the host-wide knobs read-only, the kernel's secrets and noisy tables masked.
    for (const char* name : {"sys", "sysrq-trigger", "irq", "bus", "fs"}) {
        std::string inside = std::string("/proc/") + name;
        Fd entry = open_existing_in_root(root_fd, inside);
        if (!entry) continue;
        if (::mount(fd_path(entry).c_str(), fd_path(entry).c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
            die_errno("/proc", "binding " + inside);
        Fd mounted = open_existing_in_root(root_fd, inside);
        if (!mounted) die("/proc", inside + " vanished");
        set_mount_attributes(
            mounted, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/proc");
    }
    for (const char* name : {"kcore", "keys", "timer_list", "sched_debug", "latency_stats", "timer_stats",
                             "acpi", "asound", "scsi"}) {
        std::string inside = std::string("/proc/") + name;
        Fd entry = open_existing_in_root(root_fd, inside);
        if (!entry) continue;
        struct stat st;
        if (::fstat(entry.get(), &st) != 0) die_errno("/proc", "stat " + inside);
        int mounted = S_ISDIR(st.st_mode)
                          ? ::mount("tmpfs", fd_path(entry).c_str(), "tmpfs",
                                    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
                          : ::mount("/dev/null", fd_path(entry).c_str(), nullptr, MS_BIND, nullptr);
        if (mounted != 0) die_errno("/proc", "masking " + inside);
    }
}

void step_dev(int root_fd, const Limits& limits) {
    Fd dev = open_in_root(root_fd, "/dev", Create::directory, "/dev");
    mount_at(dev, "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k", "/dev");
    // A user namespace may not make device nodes: the host's harmless ones are bound in.
    for (const char* name : {"null", "zero", "full", "random", "urandom", "tty"}) {
        std::string inside = std::string("/dev/") + name;
        Fd node = open_in_root(root_fd, inside, Create::file, "/dev");
        if (::mount(inside.c_str(), fd_path(node).c_str(), nullptr, MS_BIND, nullptr) != 0)
            die_errno("/dev", "binding " + inside);
    }
    Fd pts = open_in_root(root_fd, "/dev/pts", Create::directory, "/dev/pts");
    mount_at(pts, "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620",
             "/dev/pts");
    Fd shm = open_in_root(root_fd, "/dev/shm", Create::directory, "/dev/shm");
    mount_at(shm, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
             ("mode=1777,size=" + std::to_string(limits.shm)).c_str(), "/dev/shm");
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

void step_tmp(int root_fd, const Limits& limits) {
    Fd tmp = open_in_root(root_fd, "/tmp", Create::directory, "/tmp");
    mount_at(tmp, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
             ("mode=1777,size=" + std::to_string(limits.tmpfs)).c_str(), "/tmp");
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
