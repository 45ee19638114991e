#include "compiled/build.hpp"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/toolchain/sysroot.hpp"

namespace xbuild::compiled {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* k_destdir = "/out/install";
// Where Debian's golang-*-dev packages put their sources.
constexpr const char* k_gocode = "/usr/share/gocode/src";

std::string quoted_args(const std::vector<std::string>& args) {
    std::string out;
    for (const std::string& arg : args) out += " " + process::shell_quote(arg);
    return out;
}

// CARGO_TARGET_<TRIPLE>_LINKER: the triple upper-cased, '-' as '_'.
std::string cargo_linker_variable(const std::string& triple) {
    std::string name = "CARGO_TARGET_";
    for (char c : triple)
        name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name + "_LINKER";
}

}  // namespace

std::string rust_target(const Arch& arch) {
    static const std::pair<std::string_view, std::string_view> targets[] = {
        {"amd64", "x86_64-unknown-linux-gnu"},      {"arm64", "aarch64-unknown-linux-gnu"},
        {"armhf", "armv7-unknown-linux-gnueabihf"}, {"i386", "i686-unknown-linux-gnu"},
        {"riscv64", "riscv64gc-unknown-linux-gnu"}, {"ppc64el", "powerpc64le-unknown-linux-gnu"},
        {"s390x", "s390x-unknown-linux-gnu"}};
    for (const auto& [debian, triple] : targets)
        if (debian == arch.debian) return std::string(triple);
    fail("{}: Debian's Rust has no standard library for this arch", arch.debian);
}

std::string build_script(const BuildConfig& config, const Arch& arch, unsigned jobs) {
    const std::string args = quoted_args(config.args);
    const std::string prefix(k_prefix);
    switch (config.system) {
        case BuildSystem::cmake:
            return fmt::format(
                "cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX={0} "
                "-DCMAKE_TOOLCHAIN_FILE=/xbuild/toolchain.cmake{1}\n"
                "cmake --build /build --parallel {2}\n"
                "DESTDIR={3} cmake --install /build\n",
                prefix, args, jobs, k_destdir);
        case BuildSystem::meson:
            return fmt::format(
                "machine=${{XBUILD_MESON_CROSS_FILE:+--cross-file=$XBUILD_MESON_CROSS_FILE}}\n"
                "machine=${{machine:---native-file=$XBUILD_MESON_NATIVE_FILE}}\n"
                "meson setup /build /src --prefix={0} --buildtype=release \"$machine\"{1}\n"
                "meson compile -C /build -j {2}\n"
                "DESTDIR={3} meson install -C /build --no-rebuild --quiet\n",
                prefix, args, jobs, k_destdir);
        case BuildSystem::make:
            return fmt::format(
                "make -j{0} PREFIX={1} prefix={1}{2}\n"
                "make install DESTDIR={3} PREFIX={1} prefix={1}{2}\n",
                jobs, prefix, args, k_destdir);
        case BuildSystem::cargo: {
            const std::string triple = rust_target(arch);
            // Crates from the project's vendor directory (its .cargo/config.toml wins over this one) or
            // from Debian's librust-*-dev packages; never from the network.
            return fmt::format(
                "registry=/usr/share/cargo/registry\n"
                "[ -d $registry ] || {{ registry=/build/no-crates; mkdir -p $registry; }}\n"
                "mkdir -p \"$CARGO_HOME\"\n"
                "printf '[source.crates-io]\\nreplace-with = \"debian\"\\n[source.debian]\\ndirectory = "
                "\"%s\"\\n[net]\\noffline = true\\n' \"$registry\" > \"$CARGO_HOME/config.toml\"\n"
                "cargo build --release --offline --target {0} -j {1}{2}\n"
                "mkdir -p {3}{4}/bin\n"
                "find /build/target/{0}/release -maxdepth 1 -type f -perm -u+x -exec cp -p {{}} {3}{4}/bin/ "
                "\\;\n",
                triple, jobs, args, k_destdir, prefix);
        }
        case BuildSystem::go:
            // Modules from the project's vendor directory, else from Debian's golang-*-dev packages
            // (source trees with their go.mod under /usr/share/gocode/src): each module required, by
            // the project or by such a module, that Debian has replaces the module by its directory (a
            // local directory needs no download and no checksum).
            return fmt::format(
                "mkdir -p {0}{1}/bin\n"
                "if [ -f vendor/modules.txt ]; then\n"
                "  export GOFLAGS=\"-mod=vendor $GOFLAGS\"\n"
                "elif [ -d {4} ]; then\n"
                "  export GOFLAGS=\"-mod=mod $GOFLAGS\"\n"
                "  todo=go.mod seen=\n"
                "  while [ -n \"$todo\" ]; do\n"
                "    file=${{todo%% *}}; case $todo in *' '*) todo=${{todo#* }} ;; *) todo= ;; esac\n"
                "    for module in $(go mod edit -json \"$file\" | sed -n 's/^[[:space:]]*\"Path\": "
                "\"\\([^\"]*\\)\".*/\\1/p'); do\n"
                "      case \" $seen \" in *\" $module \"*) continue ;; esac\n"
                "      [ -f \"{4}/$module/go.mod\" ] || continue\n"
                "      seen=\"$seen $module\"\n"
                "      go mod edit -replace=\"$module={4}/$module\"\n"
                "      todo=\"${{todo:+$todo }}{4}/$module/go.mod\"\n"
                "    done\n"
                "  done\n"
                "fi\n"
                "go build -trimpath -buildvcs=false -p {2}{3} -o {0}{1}/bin/ ./...\n",
                k_destdir, prefix, jobs, args, k_gocode);
    }
    return {};
}

std::vector<std::string> build_environment(const BuildConfig& config, const toolchain::ToolchainSetup& setup,
                                           bool uses_cgo, const std::string& go_cache) {
    auto env = toolchain::compiler_environment(setup);
    env.push_back("HOME=/tmp");
    if (config.system == BuildSystem::cargo) {
        env.push_back("CARGO_HOME=/build/cargo-home");
        env.push_back("CARGO_TARGET_DIR=/build/target");
        env.push_back(fmt::format("{}={}/bin/cc", cargo_linker_variable(rust_target(setup.target)),
                                  toolchain::k_tools_dir));
        env.push_back("CARGO_TERM_COLOR=never");
    } else if (config.system == BuildSystem::go) {
        env.push_back("GOOS=linux");
        env.push_back(fmt::format("GOARCH={}", setup.target.oci));
        if (setup.target.debian == "armhf") env.push_back("GOARM=7");
        env.push_back(fmt::format("CGO_ENABLED={}", uses_cgo ? 1 : 0));
        env.push_back("GOPROXY=off");
        env.push_back("GOTOOLCHAIN=local");
        env.push_back("GOPATH=/build/gopath");
        env.push_back("GOCACHE=" + go_cache);
        env.push_back("GOFLAGS=");
    }
    env.insert(env.end(), config.environment.begin(), config.environment.end());
    return env;
}

bool go_uses_cgo(const stdfs::path& dir) {
    static const std::regex import_c(R"((^|\n)\s*import\s+(\(\s*)?"C")");
    std::error_code error;
    for (stdfs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
        if (it->is_symlink() || !it->is_regular_file() || it->path().extension() != ".go") continue;
        auto content = fs::read_file_limited(it->path(), 4 << 20);
        if (content && std::regex_search(*content, import_c)) return true;
    }
    return false;
}

std::string missing_dependency(const BuildConfig& config, const std::string& log) {
    const std::string tail = log.size() > (256u << 10) ? log.substr(log.size() - (256u << 10)) : log;
    std::smatch match;
    if (config.system == BuildSystem::cargo &&
        std::regex_search(tail, match, std::regex("no matching package named `([^`]+)` found"))) {
        std::string debian = match[1].str();
        std::replace(debian.begin(), debian.end(), '_', '-');
        return fmt::format(
            "the crate '{}' is neither vendored in the project (cargo vendor) nor packaged by Debian in "
            "[build] build-packages (librust-{}-dev)",
            match[1].str(), debian);
    }
    if (config.system == BuildSystem::go) {
        for (const char* pattern :
             {R"(no required module provides package ([^\s;:]+))",
              R"(cannot find module providing package ([^\s;:]+))",
              R"(([^\s:]+)@[^\s:]+: module lookup disabled by GOPROXY=off)",
              R"(go: downloading (\S+) v[^\n]*\n(.*\n)*.*module lookup disabled by GOPROXY=off)"})
            if (std::regex_search(tail, match, std::regex(pattern)))
                return fmt::format(
                    "the Go package '{}' is neither vendored in the project (go mod vendor) nor packaged by "
                    "Debian in [build] build-packages (golang-…-dev): the build has no network",
                    match[1].str());
    }
    if (std::regex_search(tail, match, std::regex(R"(Package '([^']+)', required by '[^']*', not found)")) ||
        std::regex_search(tail, match, std::regex(R"(No package '([^']+)' found)")))
        return fmt::format(
            "the pkg-config module '{}' is not in the target's sysroot: add its -dev package to [build] "
            "build-packages",
            match[1].str());
    if (config.system == BuildSystem::cmake &&
        std::regex_search(tail, match, std::regex(R"(Could NOT find ([A-Za-z0-9_.+-]+))")))
        return fmt::format(
            "CMake could not find the package '{}' in the target's sysroot: add its -dev package to [build] "
            "build-packages",
            match[1].str());
    return {};
}

stdfs::path build_program(const stage::StageContext& context, const BuildRequest& request) {
    const BuildConfig& config = request.config;
    const stdfs::path src = request.work / "src", build = request.work / "build", out = request.work / "out",
                      tools = request.work / "xbuild";
    fs::make_dirs(build);
    fs::make_dirs(out);
    // Builds write into their source tree (make, cargo's Cargo.lock): they get a copy.
    fs::copy_tree(config.dir, src);
    const bool cross = &request.arch != &host_arch();
    toolchain::ToolchainSetup setup{request.arch, request.floor, cross, false};
    setup.ccache =
        request.ccache.has_value() && config.system != BuildSystem::cargo && config.system != BuildSystem::go;
    toolchain::write_toolchain_files(tools, setup);

    const bool cgo = config.system == BuildSystem::go && go_uses_cgo(src);
    // Go's build cache lives with the compile cache (an edit rebuilds one package, not the standard
    // library): content-addressed, like ccache's.
    std::vector<std::string> env =
        build_environment(config, setup, cgo,
                          request.ccache ? fmt::format("{}/go-build", stage::k_compile_cache_dir)
                                         : std::string("/build/go-build"));
    env.push_back(fmt::format("SOURCE_DATE_EPOCH={}", request.source_date_epoch));
    const unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    const std::string script = "set -e\n" + build_script(config, request.arch, jobs);

    sandbox::SandboxSpec spec = stage::build_run(context, request.toolchain);
    spec.binds = {{src, "/src", false},
                  {build, "/build", false},
                  {out, "/out", false},
                  {tools, toolchain::k_tools_dir, true},
                  {request.toolchain.sysroot, toolchain::k_sysroot_dir, true}};
    std::unique_ptr<stage::RemoteRelay> relay;
    if (request.ccache) relay = stage::use_compile_cache(spec, env, *request.ccache, request.work);
    spec.env = sandbox::sandbox_environment(env);
    spec.workdir = "/src";
    spec.argv = {"sh", "-c", script};
    spec.log_file = request.log;
    fs::append_file(request.log, fmt::format("\n# {} build for {} in {}\n# environment: {}\n$ {}\n",
                                             system_name(config.system), request.arch.debian,
                                             request.toolchain.description, fmt::join(env, " "), script));
    const int code = sandbox::run_sandbox(spec, context.launcher);
    if (code != 0) {
        const std::string missing = missing_dependency(config, fs::read_file(request.log));
        if (!missing.empty()) fail("{}: {}", request.arch.debian, missing);
        fail("{}: {} build failed (exit {})", request.arch.debian, system_name(config.system), code);
    }
    return out / "install";
}

std::vector<std::string> select_installed(const BuildConfig& config, const stdfs::path& installed,
                                          const stdfs::path& dest) {
    const stdfs::path prefix = installed / stdfs::path(k_prefix).relative_path();
    struct stat st {};
    if (::lstat(prefix.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        fail("{}: the build installed nothing under {} (DESTDIR)", config.file, k_prefix);
    // Every entry below the prefix, by relative path; symlinks are never followed.
    std::vector<std::string> entries;
    for (auto it = stdfs::recursive_directory_iterator(prefix); it != stdfs::recursive_directory_iterator();
         ++it)
        entries.push_back(it->path().lexically_relative(prefix).string());
    std::sort(entries.begin(), entries.end());
    std::set<std::string> chosen;
    for (const std::string& glob : config.install) {
        bool matched = false;
        for (const std::string& entry : entries) {
            if (::fnmatch(glob.c_str(), entry.c_str(), FNM_PATHNAME) != 0) continue;
            matched = true;
            chosen.insert(entry);
            for (const std::string& below : entries)
                if (below.size() > entry.size() && below.starts_with(entry + "/")) chosen.insert(below);
        }
        if (!matched) {
            std::vector<std::string> shown(entries.begin(),
                                           entries.begin() + std::min<std::size_t>(entries.size(), 8));
            fail("{}: [build] install '{}' matches nothing the build installed under {} ({}{})", config.file,
                 text::printable(glob), k_prefix,
                 entries.empty() ? "nothing" : fmt::format("{}", fmt::join(shown, ", ")),
                 entries.size() > shown.size() ? ", ..." : "");
        }
    }
    std::vector<std::string> copied;
    const stdfs::path root = dest / stdfs::path(k_prefix).relative_path();
    for (const std::string& entry : chosen) {
        const stdfs::path from = prefix / entry, to = root / entry;
        fs::make_dirs(to.parent_path());
        if (::lstat(from.c_str(), &st) != 0) fail("{}: {}", from.string(), errno_text(errno));
        if (S_ISDIR(st.st_mode)) {
            fs::make_dirs(to);
            continue;
        }
        if (S_ISREG(st.st_mode)) {
            // No setuid or setgid bit from a build into an image.
            fs::copy_file_content(from, to, st.st_mode & 0777);
        } else if (S_ISLNK(st.st_mode)) {
            stdfs::create_symlink(stdfs::read_symlink(from), to);
        } else {
            fail("{}: the build installed {}{}, which is not a file, directory or symlink", config.file,
                 k_prefix, "/" + text::printable(entry));
        }
        copied.push_back(std::string(k_prefix) + "/" + entry);
    }
    return copied;
}

}  // namespace xbuild::compiled
