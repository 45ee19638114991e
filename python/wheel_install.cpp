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
#include "builder/core/text.hpp"
#include "python/wheel_archive.hpp"
#include "python/wheel_scripts.hpp"

namespace xbuild::python {

namespace {

namespace stdfs = std::filesystem;
using text::printable;

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> parts;
    for (size_t at; (at = path.find('/')) != std::string_view::npos; path.remove_prefix(at + 1))
        parts.push_back(path.substr(0, at));
    parts.push_back(path);
    return parts;
}

// Creates files below root without following symlinks: every directory on the way is created or
// opened with O_NOFOLLOW relative to its parent, and the file itself with O_CREAT | O_EXCL.
class RootWriter {
  public:
    explicit RootWriter(const stdfs::path& root)
        : m_root(root), m_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (!m_fd) fail("failed to open the image root {}: {}", root.string(), errno_text(errno));
    }

    // relative: '/'-separated below root; label names the source in messages.
    void create(std::string_view relative, std::string_view data, unsigned mode,
                std::string_view label) const {
        const std::vector<std::string_view> parts = components(relative);
        for (std::string_view part : parts)
            if (part.empty() || part == "." || part == "..")
                fail("{}: destination '{}' escapes the image root", label, printable(relative));
        Fd holder;
        int dir = m_fd.get();
        std::string walked;
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            const std::string name(parts[i]);
            walked += (walked.empty() ? "" : "/") + name;
            const bool created = ::mkdirat(dir, name.c_str(), 0755) == 0;
            if (!created && errno != EEXIST) refuse(label, walked, errno);
            Fd next(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!next) refuse(label, walked, errno, dir, name);
            if (created && ::fchmod(next.get(), 0755) != 0) refuse(label, walked, errno);
            holder = std::move(next);
            dir = holder.get();
        }
        const std::string name(parts.back());
        Fd file(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!file) refuse(label, relative, errno, dir, name);
        for (size_t done = 0; done < data.size();) {
            ssize_t n = ::write(file.get(), data.data() + done, data.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) refuse(label, relative, errno);
            done += static_cast<size_t>(n);
        }
        if (::fchmod(file.get(), mode) != 0) refuse(label, relative, errno);
    }

  private:
    // Throws for a failed step at relative; a symlink or an existing entry there is named as such.
    [[noreturn]] void refuse(std::string_view label, std::string_view relative, int error, int dir = -1,
                             const std::string& name = {}) const {
        const std::string host = (m_root / relative).string();
        struct stat st {};
        if (dir >= 0 && ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISLNK(st.st_mode)) fail("{}: {} is a symlink; refusing to install through it", label, host);
            if (error == EEXIST) fail("{}: {} exists already; refusing to replace it", label, host);
        }
        fail("{}: failed to create {}: {}", label, host, errno_text(error));
    }

    stdfs::path m_root;
    Fd m_fd;
};

// A file to write: its root-relative destination, what it comes from, its content and mode.
struct Planned {
    std::string path;
    std::string source;       // for messages: "'pkg/__init__.py'" (a wheel entry), "entry point 'pip'"
    const std::string* data;  // kept alive by the wheel or by Plan::generated
    unsigned mode;
};

struct Plan {
    std::vector<Planned> files;
    std::deque<std::string> generated;  // contents made here (stable addresses)

    void add(std::string path, const WheelEntry& entry) {
        files.push_back({std::move(path), fmt::format("'{}'", entry.path), &entry.data, entry.mode});
    }
    void add_generated(std::string path, std::string source, std::string data, unsigned mode) {
        generated.push_back(std::move(data));
        files.push_back({std::move(path), std::move(source), &generated.back(), mode});
    }
};

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
    std::string lower = purelib.value_or("false");
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    if (lower != "true" && lower != "false")
        fail("{}: {}/WHEEL: Root-Is-Purelib must be true or false, not '{}'", label, dist,
             printable(*purelib));
}

// Everything about the wheel itself that refuses it: names, WHEEL, tags, RECORD, METADATA.
Identity check_wheel(const Wheel& wheel, const stdfs::path& file, const ImagePython& image) {
    const std::string label = file.string();
    const WheelName name = parse_wheel_name(file.filename().string());
    Identity out{wheel.dist_info(), wheel.data_dir(), {}, {}, {}};
    const std::string& dist = out.dist;
    if (normalize_name(dist.substr(0, dist.find('-'))) != normalize_name(name.distribution))
        fail("{}: {} does not belong to distribution '{}'", label, dist, name.distribution);
    check_wheel_metadata(wheel, label, dist);
    out.tag = compatible_tag(name, image);
    if (std::vector<std::string> problems = wheel.verify_record(); !problems.empty())
        fail("{}: RECORD does not match the wheel's content, refusing to install it: {}", label,
             fmt::join(problems, "; "));
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
            if (std::optional<std::string> fixed = rewrite_shebang(entry.data, interpreter))
                plan.add_generated(std::move(destination), fmt::format("'{}'", entry.path), std::move(*fixed),
                                   0755);
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
    if (const WheelEntry* entry_points = wheel.find(id.dist + "/entry_points.txt")) {
        for (const EntryPoint& entry :
             parse_script_entry_points(entry_points->data, label + ": " + entry_points->path))
            plan.add_generated(scheme.scripts + "/" + entry.name, fmt::format("entry point '{}'", entry.name),
                               launcher_script(entry, interpreter), 0755);
    }
}

// RECORD of the installed files: paths relative to purelib, sorted, RECORD's own line in its place.
std::string installed_record(const Plan& plan, const std::string& purelib, const std::string& dist) {
    std::vector<std::pair<std::string, const std::string*>> rows;
    for (const Planned& file : plan.files)
        rows.emplace_back(stdfs::path(file.path).lexically_relative(purelib).generic_string(), file.data);
    std::sort(rows.begin(), rows.end());
    const std::string record_path = dist + "/RECORD";
    std::vector<RecordFile> before, after;
    for (const auto& [path, data] : rows) (path < record_path ? before : after).push_back({path, *data});
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
    const Wheel wheel = Wheel::read(wheel_file);
    const Identity id = check_wheel(wheel, wheel_file, m_options.image);
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
                       installed_record(plan, m_scheme.purelib, id.dist), 0644);

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
        writer.create(file.path, *file.data, file.mode, fmt::format("{}: {}", label, file.source));
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
