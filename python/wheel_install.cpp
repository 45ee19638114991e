#include "python/wheel_install.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <optional>

#include <fmt/ranges.h>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/hash.hpp"
#include "builder/core/text.hpp"
#include "python/root_writer.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_scripts.hpp"

namespace xbuild::python {

namespace {

namespace stdfs = std::filesystem;
using text::printable;

// The first line of a script with its "\n" (from its first 64 KiB; a file shorter than that without a
// newline is one line), or "" when there is none there.
std::string first_line(const stdfs::path& file) {
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("failed to open {}: {}", file.string(), errno_text(errno));
    std::string head(64 * 1024, '\0');
    ssize_t got;
    do got = ::pread(fd.get(), head.data(), head.size(), 0);
    while (got < 0 && errno == EINTR);
    if (got < 0) fail("failed to read {}: {}", file.string(), errno_text(errno));
    const bool whole = static_cast<size_t>(got) < head.size();
    head.resize(static_cast<size_t>(got));
    const size_t end = head.find('\n');
    if (end == std::string::npos) return whole ? head : std::string();
    return head.substr(0, end + 1);
}

// A file to write: its root-relative destination, what it comes from, its content and mode. The
// content is *head (made here) followed by the wheel entry's file from offset on, when there is one.
struct Planned {
    std::string path;
    std::string source;       // for messages: "'pkg/__init__.py'" (a wheel entry), "entry point 'pip'"
    const std::string* head;  // kept alive by Plan::generated
    const WheelEntry* entry;  // kept alive by the wheel; null for a generated file
    std::uint64_t offset;
    unsigned mode;

    FileContent content() const { return {*head, entry ? &entry->file : nullptr, offset}; }
};

struct Plan {
    std::vector<Planned> files;
    std::deque<std::string> generated{""};  // contents made here (stable addresses); the first is empty

    void add(std::string path, const WheelEntry& entry) {
        files.push_back(
            {std::move(path), fmt::format("'{}'", entry.path), &generated.front(), &entry, 0, entry.mode});
    }
    // The entry's file with its first offset bytes replaced by head.
    void add_rewritten(std::string path, const WheelEntry& entry, std::string head, std::uint64_t offset,
                       unsigned mode) {
        generated.push_back(std::move(head));
        files.push_back(
            {std::move(path), fmt::format("'{}'", entry.path), &generated.back(), &entry, offset, mode});
    }
    void add_generated(std::string path, std::string source, std::string data, unsigned mode) {
        generated.push_back(std::move(data));
        files.push_back({std::move(path), std::move(source), &generated.back(), nullptr, 0, mode});
    }
};

// The hash and size of a planned file's content, as RECORD lists them.
RecordFile planned_record(const Planned& file, const Wheel& wheel, std::string_view path) {
    if (file.entry && file.head->empty() && file.offset == 0) {
        RecordFile known = wheel.record_file(*file.entry);
        known.path = path;
        return known;
    }
    hash::Sha256 hasher;
    hasher.update(*file.head);
    std::uint64_t size = file.head->size();
    if (file.entry) size += hasher.update_file(file.entry->file, file.offset);
    return {path, record_hash_of_digest(hasher.digest()), size};
}

// What the checks found out about a wheel.
struct Identity {
    std::string dist;      // pkg-1.0.dist-info
    std::string data_dir;  // pkg-1.0.data
    std::string name;      // METADATA Name
    std::string version;   // METADATA Version
    std::string tag;       // the tag that runs on the image
};

// A project name as PEP 508 allows: ASCII letters and digits, with . _ - inside.
bool is_project_name(std::string_view name) {
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    return !name.empty() && alnum(name.front()) && alnum(name.back()) &&
           std::all_of(name.begin(), name.end(),
                       [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

// WHEEL: Wheel-Version 1.x (pip too refuses other major versions), Root-Is-Purelib true or false.
void check_wheel_metadata(const Wheel& wheel, const std::string& label, const std::string& dist) {
    std::optional<std::string> version, purelib;
    for (const auto& [key, value] : wheel.wheel_metadata()) {
        if (key == "Wheel-Version" && !version) version = value;
        if (key == "Root-Is-Purelib" && !purelib) purelib = value;
    }
    if (!version) fail("{}: {}/WHEEL has no Wheel-Version", label, dist);
    const std::string_view major = std::string_view(*version).substr(0, version->find('.'));
    const bool numeric = std::all_of(version->begin(), version->end(),
                                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (!numeric || major.empty() || version->back() == '.' || version->find("..") != std::string::npos)
        fail("{}: {}/WHEEL: invalid Wheel-Version '{}'", label, dist, printable(*version));
    if (major != "1")
        fail("{}: {}/WHEEL: Wheel-Version {} is not supported (xbuild installs 1.x wheels)", label, dist,
             printable(*version));
    const std::string lower = text::lower(purelib.value_or("false"));
    if (lower != "true" && lower != "false")
        fail("{}: {}/WHEEL: Root-Is-Purelib must be true or false, not '{}'", label, dist,
             printable(*purelib));
}

// Everything about the wheel itself that refuses it: names, WHEEL, tags, RECORD, METADATA.
Identity identify_for_image(const Wheel& wheel, const stdfs::path& file, const ImagePython& image) {
    const std::string label = file.string();
    const WheelName name = parse_wheel_name(file.filename().string());
    Identity out{wheel.dist_info(), wheel.data_dir(), {}, {}, {}};
    const std::string& dist = out.dist;
    if (normalize_name(dist.substr(0, dist.find('-'))) != normalize_name(name.distribution))
        fail("{}: {} does not belong to distribution '{}'", label, dist, name.distribution);
    check_wheel_metadata(wheel, label, dist);
    out.tag = compatible_tag(name, image);  // RECORD: checked by Wheel::read
    out.name = wheel.metadata_field("Name").value_or("");
    out.version = wheel.metadata_field("Version").value_or("");
    if (!is_project_name(out.name))
        fail("{}: {}/METADATA has no valid Name (got '{}')", label, dist, printable(out.name));
    if (normalize_name(out.name) != normalize_name(name.distribution))
        fail("{}: {}/METADATA names '{}', the file name '{}'", label, dist, out.name, name.distribution);
    if (out.version.empty() || std::any_of(out.version.begin(), out.version.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/';
        }))
        fail("{}: {}/METADATA has no valid Version (got '{}')", label, dist, printable(out.version));
    return out;
}

// Where each entry of the wheel goes, and the scripts made for its entry points.
void plan_files(Plan& plan, const Wheel& wheel, const Identity& id, const InstallScheme& scheme,
                const std::string& interpreter, const std::string& label) {
    for (const WheelEntry& entry : wheel.entries()) {
        const std::string_view path = entry.path;
        const size_t slash = path.find('/');
        const std::string_view top = path.substr(0, slash);
        const std::string_view rest = slash == std::string_view::npos ? "" : path.substr(slash + 1);
        if (top == id.dist && (rest == "RECORD" || rest == "RECORD.jws" || rest == "RECORD.p7s" ||
                               rest == "INSTALLER" || rest == "REQUESTED"))
            continue;  // written by install, or signatures of the RECORD it rewrites
        if (slash == std::string_view::npos || !top.ends_with(".data")) {
            plan.add(scheme.purelib + "/" + entry.path, entry);
            continue;
        }
        if (top != id.data_dir)
            fail("{}: unexpected data directory '{}' (the wheel's is '{}')", label, top, id.data_dir);
        const size_t key_end = rest.find('/');
        const std::string_view key = rest.substr(0, key_end);
        if (key_end == std::string_view::npos)
            fail("{}: '{}' is not inside a scheme directory of {}", label, entry.path, id.data_dir);
        const std::string_view inner = rest.substr(key_end + 1);
        if (key == "purelib" || key == "platlib") {
            plan.add(fmt::format("{}/{}", scheme.purelib, inner), entry);
        } else if (key == "scripts") {
            std::string destination = fmt::format("{}/{}", scheme.scripts, inner);
            const std::string line = first_line(entry.file);
            if (std::optional<std::string> fixed = rewrite_shebang(line, interpreter))
                plan.add_rewritten(std::move(destination), entry, std::move(*fixed), line.size(), 0755);
            else
                plan.add(std::move(destination), entry);
        } else if (key == "headers") {
            plan.add(fmt::format("{}/{}/{}", scheme.headers, id.name, inner), entry);
        } else if (key == "data") {
            plan.add(fmt::format("{}/{}", scheme.data, inner), entry);
        } else {
            fail("{}: unknown scheme directory '{}/{}' (expected purelib, platlib, scripts, headers or data)",
                 label, id.data_dir, printable(key));
        }
    }
    if (const std::string path = id.dist + "/entry_points.txt"; wheel.find(path)) {
        for (const EntryPoint& entry : parse_script_entry_points(wheel.text(path), label + ": " + path))
            plan.add_generated(scheme.scripts + "/" + entry.name, fmt::format("entry point '{}'", entry.name),
                               launcher_script(entry, interpreter), 0755);
    }
}

// RECORD of the installed files: paths relative to purelib, sorted, RECORD's own line in its place.
std::string installed_record(const Plan& plan, const Wheel& wheel, const std::string& purelib,
                             const std::string& dist) {
    std::vector<std::pair<std::string, const Planned*>> rows;
    for (const Planned& file : plan.files)
        rows.emplace_back(stdfs::path(file.path).lexically_relative(purelib).generic_string(), &file);
    std::sort(rows.begin(), rows.end());
    const std::string record_path = dist + "/RECORD";
    std::vector<RecordFile> before, after;
    for (const auto& [path, file] : rows)
        (path < record_path ? before : after).push_back(planned_record(*file, wheel, path));
    const std::string record_line = make_record({}, dist);
    const std::string tail = make_record(after, dist);
    return make_record(before, dist) + tail.substr(0, tail.size() - record_line.size());
}

std::string percent_encoded(std::string_view text) {
    std::string out;
    for (char c : text) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '.' || c == '-' || c == '_' || c == '~';
        out += plain ? std::string(1, c) : fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    return out;
}

}  // namespace

InstallScheme debian_scheme(std::string_view python_version) {
    const std::string_view minor = python_version.substr(std::min<size_t>(2, python_version.size()));
    if (!python_version.starts_with("3.") || minor.empty() || minor.size() > 3 ||
        !std::all_of(minor.begin(), minor.end(), [](char c) { return c >= '0' && c <= '9'; }))
        fail("invalid image Python version '{}' (expected 3.X, like 3.13)", printable(python_version));
    const std::string python = fmt::format("python{}", python_version);
    return {"usr/local/lib/" + python + "/dist-packages", "usr/local/bin", "usr/local/include/" + python,
            "usr/local"};
}

std::string InstalledWheel::purl() const {
    return fmt::format("pkg:pypi/{}@{}", normalize_name(name), percent_encoded(version));
}

WheelInstaller::WheelInstaller(std::filesystem::path root, InstallOptions options)
    : m_root(std::move(root)),
      m_options(std::move(options)),
      m_scheme(debian_scheme(m_options.image.python_version)) {
    m_options.image.describe();  // validates the image
    if (m_options.interpreter.empty())
        m_options.interpreter = "/usr/bin/python" + m_options.image.python_version;
    check_interpreter(m_options.interpreter);
    std::error_code error;
    if (!stdfs::is_directory(m_root, error)) fail("image root {} is not a directory", m_root.string());
}

InstalledWheel WheelInstaller::install(const std::filesystem::path& wheel_file) {
    const std::string label = wheel_file.string();
    const Wheel wheel = Wheel::read(wheel_file, {m_options.work_dir});
    const Identity id = identify_for_image(wheel, wheel_file, m_options.image);
    const std::string wheel_name = wheel_file.filename().string();
    const std::string normalized = normalize_name(id.name);
    if (auto found = m_distributions.find(normalized); found != m_distributions.end())
        fail("{}: {} is installed already, from {}", label, id.name, found->second);
    std::error_code error;
    for (const stdfs::directory_entry& entry : stdfs::directory_iterator(m_root / m_scheme.purelib, error)) {
        const std::string other = entry.path().filename().string();
        if (other.ends_with(".dist-info") && normalize_name(other.substr(0, other.find('-'))) == normalized)
            fail("{}: {} is installed in the image already: /{}/{}", label, id.name, m_scheme.purelib, other);
    }

    Plan plan;
    plan_files(plan, wheel, id, m_scheme, m_options.interpreter, label);
    const std::string dist_path = m_scheme.purelib + "/" + id.dist;
    plan.add_generated(dist_path + "/INSTALLER", "the INSTALLER file", "xbuild\n", 0644);
    if (m_options.requested == Requested::yes)
        plan.add_generated(dist_path + "/REQUESTED", "the REQUESTED file", "", 0644);
    plan.add_generated(dist_path + "/RECORD", "the RECORD file",
                       installed_record(plan, wheel, m_scheme.purelib, id.dist), 0644);

    std::stable_sort(plan.files.begin(), plan.files.end(),
                     [](const Planned& a, const Planned& b) { return a.path < b.path; });
    for (size_t i = 0; i < plan.files.size(); ++i) {
        const Planned& file = plan.files[i];
        if (i > 0 && plan.files[i - 1].path == file.path)
            fail("{}: {} and {} both install /{}", label, plan.files[i - 1].source, file.source, file.path);
        if (auto owner = m_owners.find(file.path); owner != m_owners.end())
            fail(
                "{}: {} would install /{}, which {} installed already (conflicting wheels in one image are "
                "refused)",
                label, file.source, file.path, owner->second);
    }

    InstalledWheel result{id.name, id.version, wheel_name, id.tag, {}, {}, {}};
    const RootWriter writer(m_root);
    for (const Planned& file : plan.files) {
        writer.create(file.path, file.content(), file.mode, fmt::format("{}: {}", label, file.source));
        const std::string absolute = "/" + file.path;
        result.files.push_back(absolute);
        if (file.path.starts_with(m_scheme.purelib + "/") && file.path.ends_with(".py"))
            result.python_sources.push_back(absolute);
        if (file.path.starts_with(m_scheme.scripts + "/")) result.scripts.push_back(absolute);
    }
    for (const Planned& file : plan.files) m_owners.emplace(file.path, wheel_name);
    m_distributions.emplace(normalized, wheel_name);
    return result;
}

}  // namespace xbuild::python
