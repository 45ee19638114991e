#pragma once
// deb822, Debian's control-file syntax: apt's *.sources files and the archive's package paragraphs
// (what apt-cache show prints from a suite's Packages index). Stanzas are separated by blank lines;
// a line starting with a space or a tab continues the field above it; a line starting with '#' is a
// comment.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xbuild::stage {

struct Deb822Stanza {
    int line = 0;  // where the stanza starts (1-based), for messages
    // Keys lower-cased, values trimmed, continuation lines joined to their field with one space.
    std::vector<std::pair<std::string, std::string>> fields;

    // The value of key (any case; the last one when it is repeated), "" when absent.
    std::string get(std::string_view key) const;
};

// The stanzas of text, in order; lines without a ':' outside a continuation are skipped.
std::vector<Deb822Stanza> parse_deb822(std::string_view text);

}  // namespace xbuild::stage
