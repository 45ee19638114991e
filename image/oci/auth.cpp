#include "image/oci/auth.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"

namespace xbuild::oci {

namespace {

// tchar of RFC 7230: the characters of a token.
bool token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class ChallengeParser {
  public:
    explicit ChallengeParser(std::string_view value) : m_text(value) {}

    std::vector<Challenge> parse() {
        std::vector<Challenge> challenges;
        for (;;) {
            skip_list_separators();
            if (at_end()) break;
            Challenge challenge{text::lower(token("an auth scheme")), {}};
            parse_params(challenge);
            challenges.push_back(std::move(challenge));
        }
        if (challenges.empty()) refuse("no challenge");
        return challenges;
    }

  private:
    // Parameters until the end or the next challenge (a token not followed by '=').
    void parse_params(Challenge& challenge) {
        for (;;) {
            skip_list_separators();
            if (at_end()) return;
            const size_t start = m_at;
            std::string name = text::lower(token("a parameter name"));
            skip_spaces();
            if (at_end() || m_text[m_at] != '=') {
                m_at = start;  // the scheme of the next challenge
                return;
            }
            ++m_at;
            skip_spaces();
            std::string value;
            if (!at_end() && m_text[m_at] == '"') {
                value = quoted();
            } else {
                // A token, or the '=' padding of a token68 ("Basic abc==").
                while (!at_end() && (token_char(m_text[m_at]) || m_text[m_at] == '/' || m_text[m_at] == '='))
                    value += m_text[m_at++];
            }
            challenge.params[name] = value;
            skip_spaces();
            if (!at_end() && m_text[m_at] != ',') refuse("expected ',' after parameter '" + name + "'");
        }
    }

    std::string token(std::string_view what) {
        const size_t start = m_at;
        while (!at_end() && token_char(m_text[m_at])) ++m_at;
        if (m_at == start) refuse(fmt::format("expected {} at offset {}", what, start));
        return std::string(m_text.substr(start, m_at - start));
    }

    std::string quoted() {
        std::string value;
        for (++m_at; !at_end(); ++m_at) {
            char c = m_text[m_at];
            if (c == '"') {
                ++m_at;
                return value;
            }
            if (c == '\\') {
                if (++m_at == m_text.size()) break;
                c = m_text[m_at];
            }
            value += c;
        }
        refuse("unterminated quoted string");
    }

    void skip_spaces() {
        while (!at_end() && (m_text[m_at] == ' ' || m_text[m_at] == '\t')) ++m_at;
    }
    void skip_list_separators() {
        while (!at_end() && (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == ',')) ++m_at;
    }
    bool at_end() const { return m_at >= m_text.size(); }

    [[noreturn]] void refuse(std::string_view why) const {
        std::string shown = text::printable(m_text.substr(0, 200));
        fail("malformed WWW-Authenticate header '{}{}': {}", shown, m_text.size() > 200 ? "..." : "", why);
    }

    std::string_view m_text;
    size_t m_at = 0;
};

}  // namespace

std::vector<Challenge> parse_www_authenticate(std::string_view value) {
    return ChallengeParser(value).parse();
}

std::string percent_encode(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

std::string token_url(const Challenge& bearer, const std::vector<std::string>& scopes) {
    auto realm = bearer.params.find("realm");
    if (realm == bearer.params.end() || realm->second.empty()) fail("the Bearer challenge has no realm");
    const std::string& url = realm->second;
    if (!url.starts_with("https://") && !url.starts_with("http://"))
        fail("the Bearer challenge's realm '{}' is not an http(s) URL", text::printable(url));
    if (url.find_first_of("# \t\r\n") != std::string::npos)
        fail("the Bearer challenge's realm '{}' is not a valid URL", text::printable(url));
    std::string query;
    if (auto service = bearer.params.find("service"); service != bearer.params.end())
        query += "service=" + percent_encode(service->second);
    for (const std::string& scope : scopes)
        query += (query.empty() ? "" : "&") + ("scope=" + percent_encode(scope));
    if (query.empty()) return url;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

std::string parse_token_response(std::string_view body, std::string_view source) {
    const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
    if (!answer.is_object()) fail("{}: the token server's answer is not a JSON object", source);
    for (const char* key : {"token", "access_token"}) {
        auto it = answer.find(key);
        if (it != answer.end() && it->is_string() && !it->get<std::string>().empty()) {
            std::string token = it->get<std::string>();
            if (token.find_first_of("\r\n") != std::string::npos)
                fail("{}: the token has a line break", source);
            return token;
        }
    }
    fail("{}: the token server's answer has no \"token\"", source);
}

namespace {

// Standard base64 (padding optional, whitespace refused); nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    unsigned value = 0;
    int bits = 0;
    size_t padding = 0;
    for (char c : text) {
        int digit;
        if (c >= 'A' && c <= 'Z')
            digit = c - 'A';
        else if (c >= 'a' && c <= 'z')
            digit = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            digit = c - '0' + 52;
        else if (c == '+')
            digit = 62;
        else if (c == '/')
            digit = 63;
        else if (c == '=') {
            ++padding;
            continue;
        } else
            return std::nullopt;
        if (padding) return std::nullopt;  // data after padding
        value = (value << 6) | static_cast<unsigned>(digit);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((value >> bits) & 0xff);
        }
    }
    if (padding > 2 || bits >= 6) return std::nullopt;
    return out;
}

// "host[:port]" of an auths key: "https://host:5000/v1/" -> "host:5000".
std::string auths_host(std::string_view key) {
    if (size_t scheme = key.find("://"); scheme != std::string_view::npos) key.remove_prefix(scheme + 3);
    return std::string(key.substr(0, key.find('/')));
}

}  // namespace

std::string docker_config_credentials(const std::filesystem::path& file, std::string_view registry) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) return {};
    const std::string source = file.string();
    const nlohmann::json config = nlohmann::json::parse(fs::read_file(file), nullptr, false);
    if (!config.is_object()) fail("{}: not a JSON object", source);
    auto auths = config.find("auths");
    if (auths == config.end()) return {};
    if (!auths->is_object()) fail("{}: \"auths\" is not an object", source);
    // docker login stores Docker Hub under its v1 URL.
    const std::string wanted = registry == "docker.io" ? "index.docker.io" : std::string(registry);
    for (const auto& item : auths->items()) {
        // Not a structured binding: clang before 16 cannot capture one in the lambda below.
        const std::string& key = item.key();
        const nlohmann::json& entry = item.value();
        if (auths_host(key) != wanted) continue;
        const std::string where = fmt::format("{}: auths[\"{}\"]", source, text::printable(key));
        if (!entry.is_object()) fail("{}: not an object", where);
        auto string_at = [&](const char* name) -> std::string {
            auto it = entry.find(name);
            if (it == entry.end()) return {};
            if (!it->is_string()) fail("{}: \"{}\" is not a string", where, name);
            return it->get<std::string>();
        };
        if (const std::string auth = string_at("auth"); !auth.empty()) {
            std::optional<std::string> decoded = base64_decode(auth);
            if (!decoded || decoded->find(':') == std::string::npos)
                fail("{}: \"auth\" is not base64 of user:password", where);
            return *decoded;
        }
        const std::string user = string_at("username"), password = string_at("password");
        if (!user.empty()) return user + ":" + password;
    }
    return {};
}

std::string basic_authorization(std::string_view credentials) {
    if (credentials.find(':') == std::string_view::npos) fail("credentials must be given as user:password");
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = "Basic ";
    for (size_t i = 0; i < credentials.size(); i += 3) {
        unsigned value = static_cast<unsigned char>(credentials[i]) << 16;
        if (i + 1 < credentials.size()) value |= static_cast<unsigned char>(credentials[i + 1]) << 8;
        if (i + 2 < credentials.size()) value |= static_cast<unsigned char>(credentials[i + 2]);
        out += alphabet[(value >> 18) & 63];
        out += alphabet[(value >> 12) & 63];
        out += i + 1 < credentials.size() ? alphabet[(value >> 6) & 63] : '=';
        out += i + 2 < credentials.size() ? alphabet[value & 63] : '=';
    }
    return out;
}

}  // namespace xbuild::oci
