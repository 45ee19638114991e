#include "builder/stage/deb822.hpp"

#include "builder/core/text.hpp"

namespace xbuild::stage {

std::string Deb822Stanza::get(std::string_view key) const {
    const std::string wanted = text::lower(key);
    std::string value;
    for (const auto& [name, field_value] : fields)
        if (name == wanted) value = field_value;
    return value;
}

std::vector<Deb822Stanza> parse_deb822(std::string_view text) {
    std::vector<Deb822Stanza> stanzas;
    Deb822Stanza stanza;
    int line_number = 0;
    stanza.line = 1;
    auto flush = [&] {
        if (!stanza.fields.empty()) stanzas.push_back(std::move(stanza));
        stanza = Deb822Stanza{};
    };
    for (std::string_view line : text::lines(text)) {
        ++line_number;
        if (!line.empty() && line.front() == '#') continue;
        if (text::trim(line).empty()) {
            flush();
            stanza.line = line_number + 1;
            continue;
        }
        if ((line.front() == ' ' || line.front() == '\t') && !stanza.fields.empty()) {
            stanza.fields.back().second += " ";
            stanza.fields.back().second += text::trim(line);
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        stanza.fields.emplace_back(text::lower(text::trim(line.substr(0, colon))),
                                   std::string(text::trim(line.substr(colon + 1))));
    }
    flush();
    return stanzas;
}

}  // namespace xbuild::stage
