#pragma once
#include <chrono>
#include <string>
#include <string_view>

namespace xbuild {

// "90s", "15m", "12h", "7d", "2w" (a bare number is days); throws Error otherwise.
std::chrono::seconds parse_duration(std::string_view text);
// 1.2s, 340ms, 3m05s: for progress lines.
std::string format_elapsed(std::chrono::nanoseconds elapsed);
std::string format_seconds(double seconds);
// Seconds elapsed since start, for reports.
double seconds_since(std::chrono::steady_clock::time_point start);
// 512B, 3.4K, 12.0M, 1.5G
std::string format_bytes(unsigned long long bytes);
// "4096", "64k", "512m", "2g", "1t" (binary units, any case; a bare number is bytes); throws Error
// naming what (an option or variable) otherwise.
unsigned long long parse_bytes(std::string_view text, std::string_view what);

}  // namespace xbuild
