#include "builder/core/interrupt.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <thread>

#include "builder/core/error.hpp"

namespace xbuild::interrupt {

namespace {

// Readable from a request until clear(). Made when the program or module is loaded (a static
// initializer), so request() only writes to it: safe in a signal handler.
const int g_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

}  // namespace

void request() {
    if (g_fd < 0) return;
    const std::uint64_t one = 1;
    const int saved = errno;
    [[maybe_unused]] ssize_t written = ::write(g_fd, &one, sizeof one);
    errno = saved;
}

void clear() {
    if (g_fd < 0) return;
    std::uint64_t value = 0;
    while (::read(g_fd, &value, sizeof value) > 0) {
    }
}

bool requested() {
    if (g_fd < 0) return false;
    pollfd fd{g_fd, POLLIN, 0};
    return ::poll(&fd, 1, 0) > 0;
}

Wake wait_child(int pidfd, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int wait_ms = -1;
        if (timeout.count() > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return Wake::timed_out;
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 1 << 30));
        }
        pollfd fds[2] = {{pidfd, POLLIN, 0}, {g_fd, POLLIN, 0}};
        const int ready = ::poll(fds, g_fd < 0 ? 1 : 2, wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            fail("poll failed: {}", errno_text(errno));
        }
        if (ready == 0) continue;
        if (fds[0].revents != 0) return Wake::exited;
        if (fds[1].revents != 0) return Wake::interrupted;
    }
}

void sleep_for(std::chrono::milliseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    for (;;) {
        if (requested()) throw Interrupted();
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds{50}));
    }
}

}  // namespace xbuild::interrupt
