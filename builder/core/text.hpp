#pragma once
// Small text helpers shared by the parsers of line-based formats (wheel METADATA, WHEEL, RECORD)
// and by messages that quote untrusted names.
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::text {

// The text with control characters (below 0x20, and 0x7f) written as "\x0a": names from untrusted
// input stay on one line in messages.
std::string printable(std::string_view text);

// The lines of text without their "\n" or "\r\n"; a last line without a newline counts, a final
// newline does not start an empty line.
std::vector<std::string_view> lines(std::string_view text);

// The text with ASCII letters in lower case (header names, schemes, protocols: never the locale's).
std::string lower(std::string_view text);

// The text without leading and trailing spaces and tabs.
std::string_view trim(std::string_view text);

// text cut at every separator: "a-b--c" on '-' → {"a", "b", "", "c"}; "" → {""}.
std::vector<std::string_view> split(std::string_view text, char separator);

// The items of a list typed as one string, split on commas and whitespace ("a,b c" → {"a","b","c"}):
// XBUILD_ARCHS and the list keys of the configuration files that also take a string.
std::vector<std::string> split_list(std::string_view text);

// text with every `from` replaced by `to`, left to right; a `to` that contains `from` is not replaced
// again ("{project}" → "/src" in commands).
std::string replace_all(std::string text, std::string_view from, std::string_view to);

}  // namespace xbuild::text
