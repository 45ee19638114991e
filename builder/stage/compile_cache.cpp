#include "builder/stage/compile_cache.hpp"

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/linux_abi.hpp"
#include "builder/core/text.hpp"

namespace xbuild::stage {

std::optional<CompileCache> compile_cache_dir(const StageContext& context, const PreparedStage& toolchain,
                                              std::string_view project) {
    if (const char* setting = std::getenv("XBUILD_CCACHE"); setting && std::string_view(setting) == "0")
        return std::nullopt;
    hash::Sha256 key;
    key.update(fmt::format("xbuild-ccache 1\n{}\n{}\n{}\n", toolchain.key, toolchain.sysroot_key, project));
    std::filesystem::path dir = context.cache.dir() / "ccache" / key.hex_digest().substr(0, 24);
    fs::make_dirs(dir);
    auto lock = fs::FileLock::acquire(dir, fs::LockMode::shared, fs::LockWait::block);
    if (!lock) fail("{}: removed while it was being opened", dir.string());
    std::error_code ignored;
    std::filesystem::last_write_time(dir, std::filesystem::file_time_type::clock::now(), ignored);
    return CompileCache{dir, std::make_shared<const fs::FileLock>(std::move(*lock))};
}

RemoteStorage parse_remote_storage(std::string_view url) {
    constexpr std::string_view variable = "XBUILD_CCACHE_REMOTE";
    RemoteStorage storage;
    const size_t bar = url.find('|');
    if (bar != std::string_view::npos) storage.attributes = std::string(url.substr(bar));
    std::string_view rest = url.substr(0, bar);
    if (!rest.starts_with("redis://"))
        fail(
            "{}={}: only redis://HOST[:PORT] remote storage is served to the sandboxed build (it has no "
            "network; xbuild relays a Redis connection)",
            variable, text::printable(url));
    rest.remove_prefix(8);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("@/?#") != std::string_view::npos || rest.empty())
        fail("{}={}: expected redis://HOST[:PORT] (no credentials, database or path)", variable,
             text::printable(url));
    std::string_view host = rest;
    if (rest.front() == '[') {
        const size_t close = rest.find(']');
        if (close == std::string_view::npos) fail("{}={}: unclosed '['", variable, text::printable(url));
        host = rest.substr(1, close - 1);
        rest.remove_prefix(close + 1);
        if (!rest.empty() && rest.front() != ':') fail("{}={}: bad port", variable, text::printable(url));
        if (!rest.empty()) storage.port = std::string(rest.substr(1));
    } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        storage.port = std::string(rest.substr(colon + 1));
    }
    storage.host = std::string(host);
    if (storage.host.empty() || storage.port.empty() ||
        storage.port.find_first_not_of("0123456789") != std::string::npos || storage.port.size() > 5 ||
        std::stoi(storage.port) == 0 || std::stoi(storage.port) > 65535)
        fail("{}={}: bad host or port", variable, text::printable(url));
    return storage;
}

namespace {

// The relay's processes use system calls only (no allocation): one may be forked from a thread of a
// multithreaded host (a language binding).
[[noreturn]] void relay_connection(int client, const sockaddr_storage& address, socklen_t length) {
    const int server = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server < 0 || ::connect(server, reinterpret_cast<const sockaddr*>(&address), length) != 0) _exit(1);
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    char buffer[65536];
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n <= 0) _exit(0);
            for (ssize_t sent = 0; sent < n;) {
                const ssize_t w = ::write(fds[1 - i].fd, buffer + sent, static_cast<size_t>(n - sent));
                if (w <= 0) _exit(0);
                sent += w;
            }
        }
    }
}

[[noreturn]] void relay_main(int listener, const sockaddr_storage& address, socklen_t length) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Nothing of the parent's but the listener: its lock files' descriptors would keep their flocks.
    if (listener != 3) listener = ::dup2(listener, 3);
    if (::syscall(SYS_close_range, 4u, ~0u, 0u) != 0)
        for (int fd = 4; fd < 4096; ++fd) ::close(fd);
    ::signal(SIGCHLD, SIG_IGN);  // connections' processes reap themselves
    for (;;) {
        const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            _exit(1);
        }
        const pid_t child = ::fork();
        if (child == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::close(listener);
            relay_connection(client, address, length);
        }
        ::close(client);
    }
}

}  // namespace

RemoteRelay::~RemoteRelay() {
    // The relay's connection processes die with it (PR_SET_PDEATHSIG).
    ::kill(m_pid, SIGKILL);
    while (::waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

std::unique_ptr<RemoteRelay> use_compile_cache(sandbox::SandboxSpec& spec, std::vector<std::string>& env,
                                               const CompileCache& cache, const std::filesystem::path& work) {
    spec.binds.push_back({cache.dir, k_compile_cache_dir, false});
    env.push_back(fmt::format("CCACHE_DIR={}", k_compile_cache_dir));
    env.push_back("CCACHE_BASEDIR=/src");
    env.push_back("CCACHE_NOHASHDIR=1");
    env.push_back("CCACHE_MAXSIZE=1G");
    const char* remote = std::getenv("XBUILD_CCACHE_REMOTE");
    if (!remote || !*remote) return nullptr;
    const RemoteStorage storage = parse_remote_storage(remote);

    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int code = ::getaddrinfo(storage.host.c_str(), storage.port.c_str(), &hints, &found); code != 0)
        fail("XBUILD_CCACHE_REMOTE={}: cannot resolve {}: {}", remote, storage.host, ::gai_strerror(code));
    sockaddr_storage address{};
    const socklen_t length = found->ai_addrlen;
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);

    const std::filesystem::path socket_dir = work / "ccache-remote";
    fs::make_dirs(socket_dir);
    const std::string socket_path = (socket_dir / "redis.sock").string();
    sockaddr_un local{};
    local.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof local.sun_path) fail("{}: path too long for a socket", socket_path);
    std::memcpy(local.sun_path, socket_path.c_str(), socket_path.size() + 1);
    Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::listen(listener.get(), 64) != 0)
        fail("{}: cannot listen: {}", socket_path, errno_text(errno));
    const pid_t pid = ::fork();
    if (pid < 0) fail("fork: {}", errno_text(errno));
    if (pid == 0) relay_main(listener.get(), address, length);
    auto relay = std::make_unique<RemoteRelay>(pid, socket_dir);
    spec.binds.push_back({socket_dir, k_remote_socket_dir, true});
    env.push_back(fmt::format("CCACHE_REMOTE_STORAGE=redis+unix:{}/redis.sock{}", k_remote_socket_dir,
                              storage.attributes));
    return relay;
}

}  // namespace xbuild::stage
