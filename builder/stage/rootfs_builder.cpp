#include "builder/stage/rootfs_builder.hpp"

#include <unistd.h>

#include <regex>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/sandbox/binfmt.hpp"
#include "builder/stage/usrmerge.hpp"

namespace xbuild::stage {

namespace {

bool has_subid_range(const char* file) {
    std::string text;
    try {
        text = fs::read_file(file);
    } catch (const Error&) {
        return false;
    }
    std::string uid = std::to_string(::getuid());
    const char* login = ::getlogin();
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        std::string line = text.substr(start, end - start);
        start = end == std::string::npos ? text.size() : end + 1;
        std::string owner = line.substr(0, line.find(':'));
        if (owner == uid || (login && owner == login)) return true;
    }
    return false;
}

// The first "E: ..." line of apt/mmdebstrap, turned into a sentence about the stage.
[[noreturn]] void fail_from_log(const StageSpec& spec, const std::filesystem::path& log, int exit_code) {
    std::string text;
    try {
        text = fs::read_file(log);
    } catch (const Error&) {
    }
    static const std::regex unknown(
        R"(E: (?:Unable to locate package |Package '?)([^\s']+)'?(?: has no installation candidate)?)");
    std::smatch match;
    if (std::regex_search(text, match, unknown))
        fail("unknown package '{}' in {} (not in the suite's archive for this architecture)", match[1].str(),
             spec.describe());
    std::string first_error;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        std::string line = text.substr(start, end - start);
        start = end == std::string::npos ? text.size() : end + 1;
        if (line.rfind("E: ", 0) == 0) {
            first_error = line.substr(3);
            break;
        }
    }
    if (first_error.empty()) first_error = fmt::format("mmdebstrap exited with code {}", exit_code);
    fail("building the {} rootfs failed: {}", spec.describe(), first_error);
}

}  // namespace

std::string mmdebstrap_mode(StageKind kind) {
    if (::geteuid() == 0) return "root";
    if (kind == StageKind::runtime) return "chrootless";
    if (has_subid_range("/etc/subuid") && has_subid_range("/etc/subgid")) return "unshare";
    fail(
        "a toolchain stage runs maintainer scripts, which needs root or subordinate id ranges for this "
        "user in /etc/subuid and /etc/subgid (usermod --add-subuids 100000-165535 --add-subgids "
        "100000-165535 USER)");
}

void build_rootfs(const StageSpec& spec, const std::string& variant, const RootfsBuild& out) {
    std::string mode = mmdebstrap_mode(spec.kind);
    // Maintainer scripts of a foreign-arch toolchain rootfs run under qemu-user.
    if (spec.kind == StageKind::toolchain && spec.arch != &host_arch()) sandbox::require_binfmt(*spec.arch);

    std::string architectures(spec.arch->debian);
    if (spec.cross()) architectures += fmt::format(",{}", spec.target->debian);

    std::vector<std::string> argv{"mmdebstrap",           "--mode=" + mode,
                                  "--variant=" + variant, "--architectures=" + architectures,
                                  "--format=directory",   "--aptopt=Acquire::Retries \"3\""};
    if (!spec.packages.empty())
        argv.push_back("--include=" + fmt::format("{}", fmt::join(spec.packages, ",")));
    const std::string manifest = process::shell_quote(out.manifest.string());
    const std::string format = "'${Package}\\t${Architecture}\\t${Version}\\n'";
    if (variant == "extract") {
        // Nothing is installed, so dpkg has no status: read the downloaded .debs instead.
        argv.push_back(
            fmt::format("--extract-hook=for deb in \"$1\"/var/cache/apt/archives/*.deb; do dpkg-deb --show "
                        "--showformat={} \"$deb\"; done | LC_ALL=C sort > {}",
                        format, manifest));
    } else {
        argv.push_back(
            fmt::format("--customize-hook=dpkg-query --admindir=\"$1\"/var/lib/dpkg -W --showformat={} | "
                        "LC_ALL=C sort > {}",
                        format, manifest));
    }
    argv.insert(argv.end(), {spec.suite, out.root.string(), spec.mirror});

    fs::write_file_atomic(out.log, "$ " + process::quote_command(argv) + "\n");
    auto result = process::run(argv, {.log_file = out.log, .append_log = true});
    if (!result.ok()) fail_from_log(spec, out.log, result.exit_code);
    if (variant == "extract") merge_usr(out.root);
}

}  // namespace xbuild::stage
