#include "builder/core/log.hpp"

#include <cstdio>
#include <mutex>

#include "builder/core/duration.hpp"
#include "builder/core/process.hpp"

namespace xbuild {

namespace {
// A front end's sink gets one line at a time, whichever thread reports it (`-j`: several build ids).
std::mutex sink_mutex;
}  // namespace

void Reporter::emit(const std::string& line) const {
    if (m_sink) {
        std::lock_guard lock(sink_mutex);
        m_sink(line);
    } else
        std::fprintf(stderr, "xbuild: %s\n", line.c_str());
}

void Reporter::info(const std::string& message) const {
    if (m_verbosity == Verbosity::quiet) return;
    emit(message);
}

void Reporter::failure(const std::string& what, const std::string& error,
                       const std::filesystem::path& log) const {
    info(fmt::format("{}: FAILED: {}", what, error));
    std::error_code ignored;
    if (log.empty() || !std::filesystem::exists(log, ignored)) return;
    const std::string tail = process::tail_lines(log, 30);
    if (m_sink) {
        std::lock_guard lock(sink_mutex);
        m_sink(tail);
    } else
        std::fprintf(stderr, "---- last 30 lines of %s ----\n%s\n----\n", log.c_str(), tail.c_str());
}

void Reporter::verbose(const std::string& message) const {
    if (m_verbosity != Verbosity::verbose) return;
    emit(message);
}

Step::Step(const Reporter& reporter, std::string what)
    : m_reporter(reporter), m_what(std::move(what)), m_start(std::chrono::steady_clock::now()) {
    m_reporter.info(m_what + " ...");
}

void Step::done() {
    if (m_finished) return;
    m_finished = true;
    m_reporter.info(
        fmt::format("{}: done in {}", m_what, format_elapsed(std::chrono::steady_clock::now() - m_start)));
}

Step::~Step() {
    // Unfinished: an exception is on its way to the front end, which prints the error.
    if (!m_finished)
        m_reporter.verbose(fmt::format("{}: failed after {}", m_what,
                                       format_elapsed(std::chrono::steady_clock::now() - m_start)));
}

}  // namespace xbuild
