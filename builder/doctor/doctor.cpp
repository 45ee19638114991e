#include "builder/doctor/doctor.hpp"

#include <sched.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "builder/core/duration.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/sandbox/binfmt.hpp"
#include "builder/sandbox/cgroup.hpp"
#include "builder/sandbox/id_map.hpp"
#include "builder/sandbox/limits.hpp"

namespace xbuild::doctor {

namespace {

constexpr unsigned long long k_min_free_bytes = 5ull << 30;

// Tries unshare(flag) in a child so the caller's namespaces stay as they are.
bool can_unshare(int flag) {
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        int extra = ::geteuid() == 0 ? 0 : CLONE_NEWUSER;
        ::_exit(::unshare(flag | extra) == 0 ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return process::exit_code_of(status) == 0;
}

Check tool_check(const std::string& program, const std::string& what, const std::string& package) {
    auto found = process::find_program(program);
    if (found) return {Status::ok, what, found->string(), ""};
    return {Status::missing, what, program + " not found", "apt-get install " + package};
}

std::string first_line(std::string text) {
    auto newline = text.find('\n');
    return newline == std::string::npos ? text : text.substr(0, newline);
}

}  // namespace

std::vector<Check> run_checks(const std::vector<const Arch*>& targets,
                              const std::filesystem::path& cache_dir) {
    std::vector<Check> checks;
    const bool root = ::geteuid() == 0;
    checks.push_back({Status::ok, "host",
                      fmt::format("{} ({}), running as {}", host_arch().debian, host_arch().uname,
                                  root ? "root" : "uid " + std::to_string(::getuid())),
                      ""});
    const std::pair<int, const char*> namespaces[] = {{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mount"},
                                                      {CLONE_NEWPID, "pid"},   {CLONE_NEWNET, "net"},
                                                      {CLONE_NEWIPC, "ipc"},   {CLONE_NEWUTS, "uts"}};
    for (auto [flag, name] : namespaces) {
        bool ok = can_unshare(flag);
        checks.push_back(
            {ok ? Status::ok : Status::missing, fmt::format("{} namespaces", name),
             ok ? "unshare works" : "unshare failed",
             ok ? "" : "sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000"});
    }
    // The sandbox's bounds on this host: id map, cgroup (pids, memory), the limits in force.
    const sandbox::IdMapping mapping = sandbox::caller_id_mapping();
    checks.push_back({Status::ok, "sandbox id map", mapping.describe(), ""});
    sandbox::Limits limits = sandbox::default_limits();
    sandbox::apply_limit_environment(limits);
    {
        sandbox::SandboxCgroup cgroup = sandbox::SandboxCgroup::create(limits);
        const bool full = cgroup.limits_pids() && cgroup.limits_memory();
        checks.push_back({full ? Status::ok : Status::warning, "sandbox cgroup",
                          full ? cgroup.describe()
                               : cgroup.describe() + ": processes bounded by RLIMIT_NPROC" +
                                     (cgroup.limits_memory() ? "" : ", memory unbounded"),
                          full ? "" : "run as root, or delegate a cgroup v2 subtree with pids and memory"});
    }
    checks.push_back({Status::ok, "sandbox limits", sandbox::describe(limits), ""});
    bool overlay = false;
    std::string overlay_detail = "not in /proc/filesystems";
    try {
        overlay = fs::read_file("/proc/filesystems").find("\toverlay\n") != std::string::npos;
    } catch (const Error& error) {
        overlay_detail = error.what();  // what kept doctor from knowing, not a guess
    }
    checks.push_back({overlay ? Status::ok : Status::missing, "overlayfs",
                      overlay ? "in /proc/filesystems" : overlay_detail, overlay ? "" : "modprobe overlay"});

    checks.push_back(tool_check("mmdebstrap", "mmdebstrap (stage rootfs)", "mmdebstrap"));
    if (checks.back().status == Status::ok) {
        try {
            checks.back().detail = first_line(process::capture({"mmdebstrap", "--version"}));
        } catch (const Error& error) {
            checks.back().status = Status::warning;
            checks.back().detail = fmt::format("{} ({})", checks.back().detail, error.what());
            checks.back().fix = "apt-get install --reinstall mmdebstrap";
        }
    }
    checks.push_back(tool_check("apt-get", "apt", "apt"));
    checks.push_back(tool_check("dpkg-deb", "dpkg-deb", "dpkg"));
    checks.push_back(tool_check("patchelf", "patchelf (wheel repair)", "patchelf"));

    for (const Arch* arch : targets) {
        if (arch == &host_arch()) {
            checks.push_back(
                {Status::ok, fmt::format("{}: native", arch->debian), "no emulation needed", ""});
            continue;
        }
        auto status = sandbox::binfmt_status(*arch);
        bool ok = status.mounted && status.registered && status.enabled;
        std::string detail = !status.mounted      ? "binfmt_misc not mounted"
                             : !status.registered ? "no entry"
                             : !status.enabled    ? "entry disabled"
                                                  : status.interpreter.string();
        checks.push_back({ok ? Status::ok : Status::missing,
                          fmt::format("{}: binfmt {}", arch->debian, status.entry), detail,
                          ok ? "" : sandbox::binfmt_fix(*arch, status)});
        if (ok) {
            checks.push_back(
                {status.fix_binary ? Status::ok : Status::warning,
                 fmt::format("{}: binfmt F flag", arch->debian),
                 status.fix_binary ? "interpreter preloaded" : "interpreter is bound into each sandbox",
                 status.fix_binary ? ""
                                   : "update-binfmts --disable " + status.entry +
                                         " && update-binfmts --enable " + status.entry});
        }
        std::string compiler = std::string(arch->gnu_triplet) + "-gcc";
        checks.push_back(tool_check(compiler, fmt::format("{}: cross compiler", arch->debian),
                                    fmt::format("crossbuild-essential-{}", arch->debian)));
    }

    struct statvfs info {};
    std::filesystem::path probe = cache_dir;
    while (!probe.empty() && ::access(probe.c_str(), F_OK) != 0 && probe != probe.parent_path())
        probe = probe.parent_path();
    if (::statvfs(probe.c_str(), &info) == 0) {
        unsigned long long free_bytes = static_cast<unsigned long long>(info.f_bavail) * info.f_frsize;
        bool enough = free_bytes >= k_min_free_bytes;
        checks.push_back({enough ? Status::ok : Status::warning, "free disk in cache",
                          fmt::format("{} free at {}", format_bytes(free_bytes), cache_dir.string()),
                          enough ? "" : "xbuild cache prune --older-than 7d (or set XBUILD_CACHE)"});
    }
    bool cache_writable =
        std::filesystem::exists(cache_dir) ? fs::is_writable_dir(cache_dir) : fs::is_writable_dir(probe);
    checks.push_back({cache_writable ? Status::ok : Status::missing, "cache writable", cache_dir.string(),
                      cache_writable ? "" : "set XBUILD_CACHE to a writable directory"});
    if (!root) {
        bool subid = false;
        std::string subid_error;
        try {
            std::string text = fs::read_file("/etc/subuid");
            subid = text.find(std::to_string(::getuid()) + ":") != std::string::npos ||
                    (::getlogin() && text.find(std::string(::getlogin()) + ":") != std::string::npos);
        } catch (const Error& error) {
            if (::access("/etc/subuid", F_OK) == 0) subid_error = error.what();  // absent: no ranges
        }
        checks.push_back(
            {subid ? Status::ok : Status::warning, "subordinate ids (toolchain stages as non-root)",
             subid                 ? "/etc/subuid has a range"
             : subid_error.empty() ? "none: runtime stages only"
                                   : subid_error + ": runtime stages only",
             subid ? "" : "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER"});
    }
    return checks;
}

std::string status_name(Status status) {
    switch (status) {
        case Status::ok:
            return "ok";
        case Status::missing:
            return "missing";
        case Status::warning:
            return "warning";
    }
    return "unknown";
}

bool print_report(const std::vector<Check>& checks) {
    bool complete = true;
    for (const Check& check : checks) {
        const char* label = check.status == Status::ok        ? "ok     "
                            : check.status == Status::missing ? "MISSING"
                                                              : "warning";
        std::string line = fmt::format("{}  {:<44} {}", label, check.what, check.detail);
        if (!check.fix.empty()) line += fmt::format("  (fix: {})", check.fix);
        std::puts(line.c_str());
        if (check.status == Status::missing) complete = false;
    }
    return complete;
}

}  // namespace xbuild::doctor
