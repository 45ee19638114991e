#pragma once
// Stopping a run from another thread: a language binding's Ctrl-C (KeyboardInterrupt, a rejected
// promise). request() makes every wait of this process on a sandbox or a host program kill what it
// waits for (its temporary directories then go as the stack unwinds, so nothing partial is left)
// and throw Interrupted. The CLI never requests it: its Ctrl-C reaches its whole process group.
#include <chrono>
#include <exception>

namespace xbuild::interrupt {

// Deliberately not an xbuild::Error: the `catch (const Error&)` that turn one build id's failure into
// its outcome (and go on with the next) let it through to the front end.
class Interrupted : public std::exception {
  public:
    const char* what() const noexcept override { return "interrupted"; }
};

// Asks the running use case to stop. Async-signal-safe and thread-safe.
void request();
// Forgets a request (a front end calls it before each use case).
void clear();
bool requested();

// Sleeps for duration; throws Interrupted as soon as an interrupt is requested (a retry's back-off).
void sleep_for(std::chrono::milliseconds duration);

enum class Wake { exited, interrupted, timed_out };
// Waits until the process behind pidfd has exited (it is not reaped), an interrupt is requested, or
// the timeout (zero: none) has passed.
Wake wait_child(int pidfd, std::chrono::milliseconds timeout = std::chrono::milliseconds{0});

}  // namespace xbuild::interrupt
