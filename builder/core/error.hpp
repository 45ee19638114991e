#pragma once
// xbuild::Error is the one exception type of the core: its message is a complete
// sentence for the user ("failed to open {path}: {reason}"); front ends print it
// after "xbuild: error: " and exit non-zero.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace xbuild {

class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

template <class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
    throw Error(fmt::format(format, std::forward<Args>(args)...));
}

// strerror(errno) as a std::string, thread-safe.
std::string errno_text(int error_number);

}  // namespace xbuild
