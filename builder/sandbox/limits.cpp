#include "builder/sandbox/limits.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"

namespace xbuild::sandbox {

namespace {

bool unlimited(std::string_view text) {
    return text == "0" || text == "max" || text == "unlimited";
}

}  // namespace

Limits default_limits() {
    Limits limits;
    long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0)
        limits.memory = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 2;
    return limits;
}

void set_pids_limit(Limits& limits, std::string_view text, std::string_view what) {
    if (unlimited(text)) {
        limits.pids = 0;
        return;
    }
    std::uint64_t value = 0;
    bool digits =
        !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) value = std::strtoull(std::string(text).c_str(), nullptr, 10);
    if (!digits || value < 16 || value > 4'194'304)
        fail("{}: invalid process limit '{}' (expected a number from 16 to 4194304, or 0 for none)", what,
             text);
    limits.pids = value;
}

void set_memory_limit(Limits& limits, std::string_view text, std::string_view what) {
    if (unlimited(text)) {
        limits.memory = 0;
        return;
    }
    std::uint64_t value = parse_bytes(text, what);
    if (value < (std::uint64_t{16} << 20)) fail("{}: memory limit '{}' is below 16m", what, text);
    limits.memory = value;
}

void set_tmpfs_size(Limits& limits, std::string_view text, std::string_view what) {
    std::uint64_t value = parse_bytes(text, what);
    if (value < (std::uint64_t{1} << 20)) fail("{}: tmpfs size '{}' is below 1m", what, text);
    limits.tmpfs = value;
}

void set_shm_size(Limits& limits, std::string_view text, std::string_view what) {
    std::uint64_t value = parse_bytes(text, what);
    if (value < (std::uint64_t{64} << 10)) fail("{}: /dev/shm size '{}' is below 64k", what, text);
    limits.shm = value;
}

void set_timeout(Limits& limits, std::string_view text, std::string_view what) {
    bool digits =
        !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    try {
        limits.timeout = digits ? std::chrono::seconds(std::strtoll(std::string(text).c_str(), nullptr, 10))
                                : parse_duration(text);
    } catch (const Error& error) {
        fail("{}: {}", what, error.what());
    }
}

void apply_limit_environment(Limits& limits) {
    const std::pair<const char*, void (*)(Limits&, std::string_view, std::string_view)> variables[] = {
        {"XBUILD_PIDS_LIMIT", set_pids_limit},
        {"XBUILD_MEMORY", set_memory_limit},
        {"XBUILD_TMPFS_SIZE", set_tmpfs_size},
        {"XBUILD_SHM_SIZE", set_shm_size},
        {"XBUILD_TIMEOUT", set_timeout}};
    for (auto [name, set] : variables)
        if (const char* value = std::getenv(name); value && *value) set(limits, value, name);
}

std::string describe(const Limits& limits) {
    return fmt::format(
        "pids {}, memory {}, /tmp {}, /dev/shm {}, timeout {}",
        limits.pids ? std::to_string(limits.pids) : "unlimited",
        limits.memory ? format_bytes(limits.memory) : "unlimited", format_bytes(limits.tmpfs),
        format_bytes(limits.shm),
        limits.timeout.count() ? format_seconds(static_cast<double>(limits.timeout.count())) : "none");
}

}  // namespace xbuild::sandbox
