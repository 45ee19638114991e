#pragma once
// User-facing progress: one line per step on stderr, with how long it took.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include <fmt/format.h>

namespace xbuild {

enum class Verbosity { quiet, normal, verbose };

// Where a Reporter's lines go instead of stderr (a language binding's progress callback): each line
// without the "xbuild: " prefix; a failure's log tail comes as one more call, lines joined by '\n'.
using ProgressSink = std::function<void(const std::string& line)>;

class Reporter {
  public:
    explicit Reporter(Verbosity verbosity = Verbosity::normal, ProgressSink sink = {})
        : m_verbosity(verbosity), m_sink(std::move(sink)) {}
    Verbosity verbosity() const { return m_verbosity; }

    // "xbuild: <message>"
    void info(const std::string& message) const;
    // "xbuild: <what>: FAILED: <error>", then the last 30 lines of log (when it exists) between
    // "---- last 30 lines of <log> ----" and "----": a failed build shows why without --verbose.
    void failure(const std::string& what, const std::string& error, const std::filesystem::path& log) const;
    void verbose(const std::string& message) const;

  private:
    void emit(const std::string& line) const;

    Verbosity m_verbosity;
    ProgressSink m_sink;
};

// Prints "xbuild: <what> ..." now and "xbuild: <what>: done in 1.2s" when done() is called.
class Step {
  public:
    Step(const Reporter& reporter, std::string what);
    ~Step();
    Step(const Step&) = delete;
    Step& operator=(const Step&) = delete;
    void done();

  private:
    const Reporter& m_reporter;
    std::string m_what;
    std::chrono::steady_clock::time_point m_start;
    bool m_finished = false;
};

}  // namespace xbuild
