#include "builder/sandbox/cgroup.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"

namespace xbuild::sandbox {

namespace stdfs = std::filesystem;

namespace {

bool write_text(const stdfs::path& file, const std::string& text) {
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

std::string read_text(const stdfs::path& file) {
    try {
        return fs::read_file(file);
    } catch (const Error&) {
        return {};
    }
}

bool has_word(std::string_view words, std::string_view word) {
    for (size_t start = 0; start < words.size();) {
        size_t end = words.find_first_of(" \n", start);
        if (end == std::string_view::npos) end = words.size();
        if (words.substr(start, end - start) == word) return true;
        start = end + 1;
    }
    return false;
}

bool in_comma_list(std::string_view list, std::string_view item) {
    const auto items = text::split(list, ',');
    return std::find(items.begin(), items.end(), item) != items.end();
}

// Mount points of the cgroup file systems: v2's, and v1's by controller.
struct Mounts {
    stdfs::path unified;
    stdfs::path pids_v1, memory_v1;
};

Mounts cgroup_mounts() {
    Mounts mounts;
    const std::string mountinfo = read_text("/proc/self/mountinfo");  // the lines view into it
    for (std::string_view line : text::lines(mountinfo)) {
        // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
        size_t dash = line.find(" - ");
        if (dash == std::string_view::npos) continue;
        std::vector<std::string_view> fields;
        for (size_t start = 0; start < dash;) {
            size_t end = line.find(' ', start);
            if (end == std::string_view::npos || end > dash) end = dash;
            fields.push_back(line.substr(start, end - start));
            start = end + 1;
        }
        std::string_view tail = line.substr(dash + 3);
        if (fields.size() < 5 || fields[3] != "/") continue;  // only whole hierarchies
        const stdfs::path mount_point{std::string(fields[4])};
        if (tail.starts_with("cgroup2 ")) {
            mounts.unified = mount_point;
        } else if (tail.starts_with("cgroup ")) {
            std::string_view options = tail.substr(tail.rfind(' ') + 1);
            if (in_comma_list(options, "pids")) mounts.pids_v1 = mount_point;
            if (in_comma_list(options, "memory")) mounts.memory_v1 = mount_point;
        }
    }
    return mounts;
}

// xbuild's own cgroup path: in the v2 hierarchy ("0::/path") for an empty controller, else in the v1
// hierarchy of that controller ("8:pids:/path").
std::string own_cgroup(std::string_view controller) {
    const std::string cgroups = read_text("/proc/self/cgroup");  // the lines view into it
    for (std::string_view line : text::lines(cgroups)) {
        size_t first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string_view::npos || second == std::string_view::npos) continue;
        std::string_view controllers = line.substr(first + 1, second - first - 1);
        bool match = controller.empty() ? line.substr(0, first) == "0" && controllers.empty()
                                        : in_comma_list(controllers, controller);
        if (match) return std::string(line.substr(second + 1));
    }
    return {};
}

std::string unique_name() {
    static std::atomic<unsigned> counter{0};
    return fmt::format("xbuild-{}-{}-{}", ::getpid(), ::time(nullptr), counter++);
}

// Cgroups of earlier runs whose xbuild was killed: empty ones go (rmdir refuses the others).
void remove_stale(const stdfs::path& parent) {
    std::error_code error;
    for (const auto& entry : stdfs::directory_iterator(parent, error)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("xbuild-", 0) != 0) continue;
        auto fields = name.substr(7);
        pid_t owner = static_cast<pid_t>(std::atol(fields.c_str()));
        if (owner > 0 && owner != ::getpid() && ::kill(owner, 0) == 0) continue;  // its xbuild still runs
        ::rmdir(entry.path().c_str());
    }
}

// A new cgroup below parent; empty path when the host does not let us.
stdfs::path make_below(const stdfs::path& parent) {
    if (parent.empty() || ::access(parent.c_str(), W_OK) != 0) return {};
    remove_stale(parent);
    stdfs::path dir = parent / unique_name();
    if (::mkdir(dir.c_str(), 0755) != 0) return {};
    return dir;
}

}  // namespace

SandboxCgroup::SandboxCgroup(SandboxCgroup&& other) noexcept
    : m_dirs(std::move(other.m_dirs)),
      m_join(std::move(other.m_join)),
      m_init_joins(other.m_init_joins),
      m_pids(other.m_pids),
      m_memory(other.m_memory),
      m_version(other.m_version) {
    other.m_dirs.clear();
}

SandboxCgroup& SandboxCgroup::operator=(SandboxCgroup&& other) noexcept {
    if (this != &other) {
        remove();
        m_dirs = std::move(other.m_dirs);
        other.m_dirs.clear();
        m_join = std::move(other.m_join);
        m_init_joins = other.m_init_joins;
        m_pids = other.m_pids;
        m_memory = other.m_memory;
        m_version = other.m_version;
    }
    return *this;
}

SandboxCgroup::~SandboxCgroup() {
    remove();
}

namespace {

// cgroup v2: waits (at most timeout_ms) until cgroup.events says "populated 0". The kernel signals
// every change of the file with POLLPRI, so this wakes the moment the last process has left.
void wait_unpopulated(const stdfs::path& dir, int timeout_ms) {
    Fd events(::open((dir / "cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
    if (!events) return;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        char buffer[256];
        ssize_t n = ::pread(events.get(), buffer, sizeof buffer - 1, 0);
        if (n <= 0) return;
        buffer[n] = '\0';
        if (std::strstr(buffer, "populated 0") != nullptr) return;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd fd{events.get(), POLLPRI, 0};
        if (::poll(&fd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return;
    }
}

}  // namespace

void SandboxCgroup::remove() {
    m_join.clear();
    for (const auto& dir : m_dirs) {
        // The last processes may still be on their way out of the cgroup after being reaped.
        if (::rmdir(dir.c_str()) == 0 || errno != EBUSY) continue;
        if (m_version == 2) {
            wait_unpopulated(dir, 100);
            ::rmdir(dir.c_str());
            continue;
        }
        for (int attempt = 0; attempt < 50 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++attempt)
            ::usleep(2000);
    }
    m_dirs.clear();
}

SandboxCgroup SandboxCgroup::create(const Limits& limits) {
    SandboxCgroup cgroup;
    if (limits.pids == 0 && limits.memory == 0) return cgroup;
    const Mounts mounts = cgroup_mounts();
    // cgroup v2: pids and memory must be available in xbuild's cgroup and enabled for its children.
    if (!mounts.unified.empty()) {
        stdfs::path own = mounts.unified / stdfs::path(own_cgroup("")).relative_path();
        std::string available = read_text(own / "cgroup.controllers");
        if (has_word(available, "pids") && has_word(available, "memory")) {
            std::string enabled = read_text(own / "cgroup.subtree_control");
            if (!has_word(enabled, "pids") || !has_word(enabled, "memory"))
                write_text(own / "cgroup.subtree_control", "+pids +memory");
            enabled = read_text(own / "cgroup.subtree_control");
            if (has_word(enabled, "pids") && has_word(enabled, "memory")) {
                stdfs::path dir = make_below(own);
                if (!dir.empty()) {
                    cgroup.m_dirs.push_back(dir);
                    cgroup.m_version = 2;
                    if (limits.pids)
                        cgroup.m_pids = write_text(dir / "pids.max", std::to_string(limits.pids));
                    if (limits.memory) {
                        cgroup.m_memory = write_text(dir / "memory.max", std::to_string(limits.memory));
                        write_text(dir / "memory.swap.max", "0");
                    }
                    return cgroup;
                }
            }
        }
    }
    // cgroup v1 (hybrid hosts): a cgroup in each of the pids and memory hierarchies.
    if (limits.pids && !mounts.pids_v1.empty()) {
        stdfs::path dir = make_below(mounts.pids_v1 / stdfs::path(own_cgroup("pids")).relative_path());
        if (!dir.empty()) {
            cgroup.m_dirs.push_back(dir);
            cgroup.m_version = 1;
            cgroup.m_pids = write_text(dir / "pids.max", std::to_string(limits.pids));
            cgroup.m_join.emplace_back(::open((dir / "tasks").c_str(), O_WRONLY | O_CLOEXEC));
        }
    }
    if (limits.memory && !mounts.memory_v1.empty()) {
        stdfs::path dir = make_below(mounts.memory_v1 / stdfs::path(own_cgroup("memory")).relative_path());
        if (!dir.empty()) {
            cgroup.m_dirs.push_back(dir);
            cgroup.m_version = 1;
            cgroup.m_memory = write_text(dir / "memory.limit_in_bytes", std::to_string(limits.memory));
            cgroup.m_join.emplace_back(::open((dir / "tasks").c_str(), O_WRONLY | O_CLOEXEC));
        }
    }
    // Init joins itself only if it can join every one; else this process moves it (add).
    cgroup.m_init_joins = !cgroup.m_join.empty() && std::all_of(cgroup.m_join.begin(), cgroup.m_join.end(),
                                                                [](const Fd& fd) { return bool(fd); });
    if (!cgroup.m_init_joins) cgroup.m_join.clear();
    return cgroup;
}

void SandboxCgroup::add(pid_t pid) const {
    if (m_init_joins) return;
    for (const auto& dir : m_dirs) {
        // ESRCH: init is gone already (a setup step failed); its own message says why.
        if (!write_text(dir / "cgroup.procs", std::to_string(pid)) && errno != ESRCH)
            fail("sandbox: cgroup: moving the sandbox into {}: {}", dir.string(), errno_text(errno));
    }
}

int SandboxCgroup::join_self() const {
    for (const auto& fd : m_join)
        if (fd && ::write(fd.get(), "0", 1) != 1) return errno;
    return 0;
}

std::string SandboxCgroup::describe() const {
    if (m_dirs.empty()) return "no cgroup";
    std::string what = m_pids && m_memory ? "pids+memory" : m_pids ? "pids" : m_memory ? "memory" : "none";
    return fmt::format("cgroup v{} {}", m_version, what);
}

}  // namespace xbuild::sandbox
