#include "python/wheel_compat.hpp"

#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/ranges.h>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/text.hpp"

namespace xbuild::python {

namespace {

using text::printable;

struct Version {
    unsigned major = 0;
    unsigned minor = 0;
    auto operator<=>(const Version&) const = default;
};

std::optional<unsigned> number(std::string_view text) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "3.13" -> {3, 13}; separator '_' reads the "2_17" of manylinux_2_17.
std::optional<Version> parse_version(std::string_view text, char separator = '.') {
    size_t at = text.find(separator);
    if (at == std::string_view::npos) return std::nullopt;
    auto major = number(text.substr(0, at));
    auto minor = number(text.substr(at + 1));
    if (!major || !minor) return std::nullopt;
    return Version{*major, *minor};
}

// The image's parameters, checked once.
struct Image {
    Version python;
    Version glibc;
    std::string_view arch;  // uname name: "aarch64"
};

Image parse_image(const ImagePython& image) {
    auto python = parse_version(image.python_version);
    if (!python || python->major != 3)
        fail("invalid image Python version '{}' (expected 3.X, like 3.13)", printable(image.python_version));
    auto glibc = parse_version(image.glibc_version);
    if (!glibc)
        fail("invalid image glibc version '{}' (expected X.Y, like 2.41)", printable(image.glibc_version));
    if (image.arch.empty()) fail("no image architecture given (known: {})", known_arch_names());
    return {*python, *glibc, arch_from_name(image.arch).uname};
}

// A python tag "cp313" / "py3": the implementation and the version digits (major, optional minor).
struct PythonTag {
    std::string_view implementation;
    unsigned major = 0;
    std::optional<unsigned> minor;
};

std::optional<PythonTag> parse_python_tag(std::string_view tag) {
    if (tag.size() < 3 || !(tag.starts_with("cp") || tag.starts_with("py"))) return std::nullopt;
    std::string_view digits = tag.substr(2);
    auto major = number(digits.substr(0, 1));
    if (!major) return std::nullopt;
    PythonTag out{tag.substr(0, 2), *major, std::nullopt};
    if (digits.size() > 1) {
        out.minor = number(digits.substr(1));
        if (!out.minor) return std::nullopt;
    }
    return out;
}

// Why python-abi cannot run on CPython image; nullopt when it can.
std::optional<std::string> python_mismatch(std::string_view python, std::string_view abi, Version image) {
    const std::string has = fmt::format("the image has CPython {}.{}", image.major, image.minor);
    auto parsed = parse_python_tag(python);
    if (!parsed) return fmt::format("is for another Python implementation ('{}'), {}", python, has);
    const unsigned minor = parsed->minor.value_or(0);
    if (parsed->implementation == "py") {
        if (parsed->major != image.major) return fmt::format("is for Python {}, {}", parsed->major, has);
        if (parsed->minor && minor > image.minor)
            return fmt::format("is for Python {}.{}, {}", parsed->major, minor, has);
        if (abi != "none") return fmt::format("has ABI '{}' with a generic Python tag, {}", abi, has);
        return std::nullopt;
    }
    const Version version{parsed->major, minor};
    if (!parsed->minor) return fmt::format("is for CPython {}, {}", parsed->major, has);
    if (abi == "abi3") {
        if (version.major != 3 || version > image)
            return fmt::format("needs CPython {}.{} or newer (abi3), {}", version.major, version.minor, has);
        return std::nullopt;
    }
    if (version != image) return fmt::format("is for CPython {}.{}, {}", version.major, version.minor, has);
    if (abi == "none" || abi == python) return std::nullopt;
    return fmt::format("is for the '{}' ABI, {} with ABI '{}'", abi, has, python);
}

// Why platform cannot run on image; nullopt when it can.
std::optional<std::string> platform_mismatch(std::string_view platform, const Image& image) {
    const std::string is =
        fmt::format("the image is {} with glibc {}.{}", image.arch, image.glibc.major, image.glibc.minor);
    if (platform == "any") return std::nullopt;
    auto check_arch = [&](std::string_view arch) -> std::optional<std::string> {
        if (arch == image.arch) return std::nullopt;
        return fmt::format("is for {}, {}", arch, is);
    };
    if (platform.starts_with("linux_")) return check_arch(platform.substr(6));
    constexpr std::pair<std::string_view, Version> k_legacy[] = {
        {"manylinux1_", {2, 5}}, {"manylinux2010_", {2, 12}}, {"manylinux2014_", {2, 17}}};
    for (auto [prefix, glibc] : k_legacy) {
        if (!platform.starts_with(prefix)) continue;
        if (auto wrong = check_arch(platform.substr(prefix.size()))) return wrong;
        if (glibc > image.glibc) return fmt::format("needs glibc {}.{}, {}", glibc.major, glibc.minor, is);
        return std::nullopt;
    }
    for (std::string_view family : {"manylinux_", "musllinux_"}) {
        if (!platform.starts_with(family)) continue;
        std::string_view rest = platform.substr(family.size());
        size_t first = rest.find('_');
        size_t second = first == std::string_view::npos ? first : rest.find('_', first + 1);
        auto version =
            second == std::string_view::npos ? std::nullopt : parse_version(rest.substr(0, second), '_');
        if (!version) break;
        if (family == "musllinux_")
            return fmt::format("is for musl libc {}.{}, {}", version->major, version->minor, is);
        if (auto wrong = check_arch(rest.substr(second + 1))) return wrong;
        if (*version > image.glibc)
            return fmt::format("needs glibc {}.{}, {}", version->major, version->minor, is);
        return std::nullopt;
    }
    return fmt::format("is for another platform ('{}'), {}", platform, is);
}

}  // namespace

std::string ImagePython::describe() const {
    const Image image = parse_image(*this);
    return fmt::format("CPython {}.{}, {}, glibc {}.{}", image.python.major, image.python.minor, image.arch,
                       image.glibc.major, image.glibc.minor);
}

TagCheck check_tag(std::string_view tag, const ImagePython& image_python) {
    const Image image = parse_image(image_python);
    std::vector<std::string_view> parts = text::split(tag, '-');
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty())
        return {false, fmt::format("'{}' is not a python-abi-platform tag", printable(tag))};
    std::optional<std::string> why = python_mismatch(parts[0], parts[1], image.python);
    if (!why) why = platform_mismatch(parts[2], image);
    if (!why) return {true, {}};
    return {false, fmt::format("{} {}", tag, *why)};
}

std::string compatible_tag(const WheelName& wheel, const ImagePython& image) {
    std::vector<std::string> reasons;
    for (const std::string& tag : wheel.tags()) {
        TagCheck check = check_tag(tag, image);
        if (check.compatible) return tag;
        reasons.push_back(std::move(check.reason));
    }
    fail("{} does not run on the image ({}): {}", wheel.filename(), image.describe(),
         fmt::join(reasons, "; "));
}

std::optional<unsigned> python3_minor(std::string_view version_or_tag) {
    if (auto version = parse_version(version_or_tag); version && version->major == 3) return version->minor;
    if (auto tag = parse_python_tag(version_or_tag); tag && tag->major == 3) return tag->minor;
    return std::nullopt;
}

}  // namespace xbuild::python
