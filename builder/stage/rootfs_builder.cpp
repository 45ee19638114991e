#include "builder/stage/rootfs_builder.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/sandbox/binfmt.hpp"
#include "builder/sandbox/id_map.hpp"
#include "builder/stage/recipes.hpp"
#include "builder/stage/rootfs_tar.hpp"
#include "builder/stage/usrmerge.hpp"

namespace xbuild::stage {

namespace {

// ca-certificates' maintainer script builds /etc/ssl/certs/ca-certificates.crt; an
// extract-only tree never runs it, and clients such as trixie's pip refuse to start
// without the bundle. Concatenating the shipped certificates is what update-ca-certificates does
// for a fresh install.
void make_ca_bundle(const std::filesystem::path& root) {
    auto source = root / "usr/share/ca-certificates";
    auto bundle = root / "etc/ssl/certs/ca-certificates.crt";
    std::error_code error;
    if (!std::filesystem::exists(source) || std::filesystem::exists(bundle)) return;
    std::vector<std::filesystem::path> certs;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(source, error))
        if (entry.path().extension() == ".crt") certs.push_back(entry.path());
    std::sort(certs.begin(), certs.end());
    std::string content;
    for (const auto& cert : certs) {
        content += fs::read_file(cert);
        if (!content.empty() && content.back() != '\n') content += '\n';
    }
    fs::make_dirs(bundle.parent_path());
    fs::write_file_atomic(bundle, content);
}

// apt's resolver failure (held broken packages, conflicting assignments) names what it could not
// install under "The following packages have unmet dependencies:", one package a line, its first
// unmet relation beside it:
//    cython3:arm64 : Depends: python3:arm64 (< 3.15) but it is not going to be installed
//                    Depends: python3:arm64 (>= 3.14~) but it is not going to be installed
// The first package and its first relation, in words ("it depends on python3:arm64 (< 3.15) but it
// is not going to be installed"); nothing when the log has no such lines.
std::optional<std::pair<std::string, std::string>> first_unmet_dependency(std::string_view log) {
    static constexpr std::pair<std::string_view, std::string_view> relations[] = {
        {"Depends: ", "it depends on "},
        {"PreDepends: ", "it pre-depends on "},
        {"Pre-Depends: ", "it pre-depends on "},
        {"Conflicts: ", "it conflicts with "},
        {"Breaks: ", "it breaks "},
        {"Recommends: ", "it recommends "}};
    bool in_list = false;
    for (std::string_view line : text::lines(log)) {
        if (!in_list) {
            in_list = line.starts_with("The following packages have unmet dependencies:");
            continue;
        }
        const auto separator = line.find(" : ");
        if (!line.starts_with(" ") || separator == std::string_view::npos) return std::nullopt;
        const std::string_view package = text::trim(line.substr(0, separator));
        std::string_view relation = text::trim(line.substr(separator + 3));
        std::string words(relation);
        for (const auto& [field, phrase] : relations)
            if (relation.starts_with(field)) {
                words = std::string(phrase) + std::string(relation.substr(field.size()));
                break;
            }
        return std::pair{std::string(package), words};
    }
    return std::nullopt;
}

}  // namespace

void fail_from_apt_log(const std::string& what, const std::filesystem::path& log, int exit_code) {
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
             what);
    if (auto unmet = first_unmet_dependency(text))
        fail("building {} failed: cannot install '{}': {}", what, unmet->first, unmet->second);
    std::string first_error;
    for (std::string_view line : text::lines(text)) {
        if (line.starts_with("E: ")) {
            first_error = line.substr(3);
            break;
        }
    }
    if (first_error.empty()) first_error = fmt::format("exit code {}", exit_code);
    fail("building {} failed: {}", what, first_error);
}

std::string mmdebstrap_mode(StageKind kind) {
    if (::geteuid() == 0) return "root";
    if (kind == StageKind::runtime) return "chrootless";
    // The same ranges the sandbox maps (newuidmap and newgidmap present).
    if (sandbox::caller_id_mapping().subuids) return "unshare";
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

    // In unshare mode (a user with subordinate ids) a directory would belong to those ids; a tarball
    // unpacked by the user belongs to the user, like the other trees of its cache.
    const bool tarball = mode == "unshare";
    const std::filesystem::path tar_file = out.root.parent_path() / "rootfs.tar";
    std::vector<std::string> argv{"mmdebstrap",
                                  "--mode=" + mode,
                                  "--variant=" + variant,
                                  "--architectures=" + architectures,
                                  tarball ? "--format=tar" : "--format=directory",
                                  "--aptopt=Acquire::Retries \"3\""};
    // Testing and unstable Release files expire after a week; a mirror or snapshot that stopped
    // syncing them would otherwise refuse every build of those suites. Written into the stage's
    // apt configuration, so that its layers' apt-get update accepts them too.
    const auto stale_ok = RecipeFile::get("stages.toml").strings("apt", "ignore-valid-until");
    if (std::find(stale_ok.begin(), stale_ok.end(), spec.suite) != stale_ok.end())
        argv.push_back("--aptopt=Acquire::Check-Valid-Until \"false\"");
    if (!spec.packages.empty())
        argv.push_back("--include=" + fmt::format("{}", fmt::join(spec.packages, ",")));
    if (spec.kind == StageKind::toolchain && spec.arch != &host_arch()) {
        // Under qemu most of the build time went to py3compile, which every Python package's
        // postinst runs (measured: 25 min for an arm64 toolchain with setuptools and pip). Diverted
        // to a no-op while the packages install, then restored: Python compiles modules on first
        // import instead, into the sandbox's tmpfs.
        argv.push_back(
            "--essential-hook=chroot \"$1\" dpkg-divert --quiet --local --rename --divert "
            "/usr/bin/py3compile.xbuild "
            "--add /usr/bin/py3compile && mkdir -p \"$1\"/usr/bin && printf '#!/bin/sh\\nexit 0\\n' > "
            "\"$1\"/usr/bin/py3compile && chmod 755 \"$1\"/usr/bin/py3compile");
        argv.push_back(
            "--customize-hook=rm -f \"$1\"/usr/bin/py3compile && chroot \"$1\" dpkg-divert --quiet --local "
            "--rename "
            "--divert /usr/bin/py3compile.xbuild --remove /usr/bin/py3compile");
    }
    const std::string manifest = process::shell_quote(out.manifest.string());
    const std::string format = "'${Package}\\t${Architecture}\\t${Version}\\n'";
    if (variant == "extract") {
        // Nothing is installed, so dpkg has no status: read the downloaded .debs instead.
        argv.push_back(
            fmt::format("--extract-hook=for deb in \"$1\"/var/cache/apt/archives/*.deb; do dpkg-deb --show "
                        "--showformat={} \"$deb\"; done | LC_ALL=C sort > {}",
                        format, manifest));
        if (!out.controls.empty()) {
            fs::make_dirs(out.controls);
            const std::string dir = process::shell_quote(out.controls.string());
            argv.push_back(
                fmt::format("--extract-hook=for deb in \"$1\"/var/cache/apt/archives/*.deb; do "
                            "p=$(dpkg-deb --show --showformat='${{Package}}' \"$deb\") && dpkg-deb --field "
                            "\"$deb\" > {0}/\"$p\" "
                            "&& {{ dpkg-deb --ctrl-tarfile \"$deb\" | tar -xOf - ./md5sums > "
                            "{0}/\"$p\".md5sums 2>/dev/null || "
                            "rm -f {0}/\"$p\".md5sums; }} || exit 1; done",
                            dir));
        }
        if (!out.lists.empty()) {
            fs::make_dirs(out.lists);
            argv.push_back(
                fmt::format("--extract-hook=for deb in \"$1\"/var/cache/apt/archives/*.deb; do "
                            "p=$(dpkg-deb --show --showformat='${{Package}}' \"$deb\") && dpkg-deb "
                            "--fsys-tarfile \"$deb\" "
                            "| tar -t > {0}/\"$p\".list || exit 1; done",
                            process::shell_quote(out.lists.string())));
        }
    } else if (!tarball) {
        argv.push_back(
            fmt::format("--customize-hook=dpkg-query --admindir=\"$1\"/var/lib/dpkg -W --showformat={} | "
                        "LC_ALL=C sort > {}",
                        format, manifest));
    }
    argv.insert(argv.end(), {spec.suite, tarball ? tar_file.string() : out.root.string(), spec.mirror});

    fs::write_file_atomic(out.log, "$ " + process::quote_command(argv) + "\n");
    // mmdebstrap and everything it starts die with xbuild; as root its mounts of /proc, /sys and /dev
    // in the tree stay in a mount namespace of their own; the directory holding the tree stays
    // locked until the last of them is gone (RootfsCache cleans a killed build's directory then).
    auto result = process::run(argv, {.log_file = out.log,
                                      .append_log = true,
                                      .lock_dir = out.root.parent_path(),
                                      .private_mounts = true});
    if (!result.ok()) fail_from_apt_log(spec.describe(), out.log, result.exit_code);
    if (tarball) {
        unpack_rootfs_tarball(tar_file, out.root);
        std::filesystem::remove(tar_file);
        if (variant != "extract") {
            std::string installed =
                process::capture({"dpkg-query", "--admindir=" + (out.root / "var/lib/dpkg").string(), "-W",
                                  "--showformat=${Package}\t${Architecture}\t${Version}\n"});
            std::vector<std::string> lines;
            for (std::string_view line : text::lines(installed)) lines.emplace_back(line);
            std::sort(lines.begin(), lines.end());
            std::string sorted;
            for (const auto& line : lines) sorted += line + "\n";
            fs::write_file_atomic(out.manifest, sorted);
        }
    }
    if (variant == "extract") {
        merge_usr(out.root);
        make_ca_bundle(out.root);
    }
}

}  // namespace xbuild::stage
