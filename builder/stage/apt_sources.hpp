#pragma once
// The Debian mirror comes from the host's apt sources; it is never written in code.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::stage {

struct AptSource {
    std::string uri;
    std::vector<std::string> suites;
    std::vector<std::string> components;
    std::string origin;  // "file:line" for messages
};

// Parses one-line-style "deb [opts] URI SUITE COMPONENT..." text (sources.list, *.list).
std::vector<AptSource> parse_one_line_sources(std::string_view text, std::string_view origin);
// Parses deb822 text (*.sources): stanzas with Types, URIs, Suites, Components, Enabled.
std::vector<AptSource> parse_deb822_sources(std::string_view text, std::string_view origin);
// The first source that is a Debian archive mirror (not security, not updates/backports only).
// Throws Error naming the files read when there is none.
std::string pick_mirror(const std::vector<AptSource>& sources, std::string_view searched);
// Reads <etc_apt>/sources.list and sources.list.d/*.list|*.sources and picks the mirror.
std::string host_mirror(const std::filesystem::path& etc_apt = "/etc/apt");
// --mirror, else XBUILD_MIRROR, else the host's apt sources.
std::string resolve_mirror(const std::string& cli_mirror);

}  // namespace xbuild::stage
