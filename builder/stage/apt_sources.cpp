#include "builder/stage/apt_sources.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/deb822.hpp"

namespace xbuild::stage {

namespace {

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::istringstream in{std::string(text)};
    std::string word;
    while (in >> word) words.push_back(word);
    return words;
}

}  // namespace

std::vector<AptSource> parse_one_line_sources(std::string_view text, std::string_view origin) {
    std::vector<AptSource> sources;
    int line_number = 0;
    for (std::string_view line : text::lines(text)) {
        ++line_number;
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        line = text::trim(line);
        if (line.empty()) continue;
        std::string rest(line);
        std::string type = rest.substr(0, rest.find_first_of(" \t"));
        if (type != "deb") continue;
        rest = rest.substr(type.size());
        // Options: "[arch=amd64 signed-by=...]"
        if (auto open = rest.find('[');
            open != std::string::npos && text::trim(rest.substr(0, open)).empty()) {
            auto close = rest.find(']', open);
            if (close == std::string::npos) continue;
            rest = rest.substr(close + 1);
        }
        auto words = split_words(rest);
        if (words.size() < 2) continue;
        AptSource source;
        source.uri = words[0];
        source.suites = {words[1]};
        source.components.assign(words.begin() + 2, words.end());
        source.origin = fmt::format("{}:{}", origin, line_number);
        sources.push_back(std::move(source));
    }
    return sources;
}

std::vector<AptSource> parse_deb822_sources(std::string_view text, std::string_view origin) {
    std::vector<AptSource> sources;
    for (const Deb822Stanza& stanza : parse_deb822(text)) {
        const auto types = split_words(stanza.get("types"));
        const bool enabled = text::lower(text::trim(stanza.get("enabled"))) != "no";
        if (!enabled || std::find(types.begin(), types.end(), "deb") == types.end()) continue;
        const auto suites = split_words(stanza.get("suites"));
        const auto components = split_words(stanza.get("components"));
        for (const std::string& uri : split_words(stanza.get("uris")))
            sources.push_back({uri, suites, components, fmt::format("{}:{}", origin, stanza.line)});
    }
    return sources;
}

std::string pick_mirror(const std::vector<AptSource>& sources, std::string_view searched) {
    for (const AptSource& source : sources) {
        if (source.uri.find("security") != std::string::npos) continue;
        if (source.uri.rfind("http://", 0) != 0 && source.uri.rfind("https://", 0) != 0 &&
            source.uri.rfind("file:", 0) != 0)
            continue;
        // A Debian release suite (not -updates, -security, -backports) with the main component:
        // third-party repositories (nodesource, cloud SDKs) have other suite names.
        static constexpr std::string_view debian_suites[] = {"buster",    "bullseye", "bookworm", "trixie",
                                                             "forky",     "duke",     "sid",      "stable",
                                                             "oldstable", "testing",  "unstable"};
        bool release_suite =
            std::any_of(source.suites.begin(), source.suites.end(), [](const std::string& s) {
                return std::find(std::begin(debian_suites), std::end(debian_suites), s) !=
                       std::end(debian_suites);
            });
        bool has_main =
            std::find(source.components.begin(), source.components.end(), "main") != source.components.end();
        if (!release_suite || !has_main) continue;
        std::string uri = source.uri;
        while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
        return uri;
    }
    fail("no Debian mirror found in the host's apt sources ({}); pass --mirror URL or set XBUILD_MIRROR",
         searched);
}

std::string host_mirror(const std::filesystem::path& etc_apt) {
    std::vector<AptSource> sources;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::exists(etc_apt / "sources.list")) files.push_back(etc_apt / "sources.list");
    std::error_code error;
    std::vector<std::filesystem::path> parts;
    for (const auto& entry : std::filesystem::directory_iterator(etc_apt / "sources.list.d", error)) {
        auto ext = entry.path().extension();
        if (ext == ".list" || ext == ".sources") parts.push_back(entry.path());
    }
    std::sort(parts.begin(), parts.end());
    files.insert(files.end(), parts.begin(), parts.end());
    for (const auto& file : files) {
        std::string text = fs::read_file(file);
        auto found = file.extension() == ".sources" ? parse_deb822_sources(text, file.string())
                                                    : parse_one_line_sources(text, file.string());
        sources.insert(sources.end(), found.begin(), found.end());
    }
    return pick_mirror(sources, (etc_apt / "sources.list{,.d/}").string());
}

std::string resolve_mirror(const std::string& cli_mirror) {
    if (!cli_mirror.empty()) return cli_mirror;
    if (const char* env = std::getenv("XBUILD_MIRROR"); env && *env) return env;
    return host_mirror();
}

}  // namespace xbuild::stage
