#include "builder/core/duration.hpp"

#include <charconv>

#include <fmt/format.h>

#include "builder/core/error.hpp"

namespace xbuild {

std::chrono::seconds parse_duration(std::string_view text) {
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
    if (error != std::errc() || end == text.data() || value < 0 || unit.size() > 1)
        fail("invalid duration '{}' (expected a number with s, m, h, d or w, e.g. 7d)", text);
    long long factor = 86400;
    if (unit == "s")
        factor = 1;
    else if (unit == "m")
        factor = 60;
    else if (unit == "h")
        factor = 3600;
    else if (unit == "d" || unit.empty())
        factor = 86400;
    else if (unit == "w")
        factor = 7 * 86400;
    else
        fail("invalid duration '{}' (unit must be s, m, h, d or w)", text);
    return std::chrono::seconds(value * factor);
}

std::string format_elapsed(std::chrono::nanoseconds elapsed) {
    return format_seconds(std::chrono::duration<double>(elapsed).count());
}

std::string format_seconds(double seconds) {
    if (seconds < 1.0) return fmt::format("{:.0f}ms", seconds * 1000);
    if (seconds < 60.0) return fmt::format("{:.1f}s", seconds);
    auto whole = static_cast<long long>(seconds);
    return fmt::format("{}m{:02}s", whole / 60, whole % 60);
}

std::string format_bytes(unsigned long long bytes) {
    if (bytes < 1024) return fmt::format("{}B", bytes);
    double value = static_cast<double>(bytes);
    const char* units = "KMGT";
    int unit = -1;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{:.1f}{}", value, units[unit]);
}

unsigned long long parse_bytes(std::string_view text, std::string_view what) {
    unsigned long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
    if (error != std::errc() || end == text.data() || unit.size() > 1)
        fail("{}: invalid size '{}' (expected a number of bytes, or with k, m, g or t: 512m)", what, text);
    int shift = 0;
    if (!unit.empty()) {
        const std::string_view units = "kmgt";
        auto at = units.find(static_cast<char>(unit[0] | 0x20));
        if (at == std::string_view::npos)
            fail("{}: invalid size '{}' (unit must be k, m, g or t)", what, text);
        shift = 10 * static_cast<int>(at + 1);
    }
    if (shift > 0 && value > (~0ULL >> shift)) fail("{}: size '{}' is too large", what, text);
    return value << shift;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace xbuild
