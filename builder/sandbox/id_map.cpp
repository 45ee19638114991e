#include "builder/sandbox/id_map.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/core/text.hpp"

namespace xbuild::sandbox {

namespace {

void write_proc_file(const std::string& file, const std::string& content) {
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
        fail("sandbox: uid/gid maps: writing {}: {}", file, errno_text(errno));
}

std::string user_name(uid_t uid) {
    passwd entry{}, *found = nullptr;
    char buffer[4096];
    if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found) return found->pw_name;
    return {};
}

}  // namespace

std::string IdMapping::describe() const {
    if (identity) return "root (identity map)";
    if (subuids && subgids) return fmt::format("uid {} + {} subordinate ids", uid, subuids->count);
    return fmt::format("uid {} alone (no /etc/subuid and /etc/subgid range)", uid);
}

std::optional<IdRange> subordinate_range(const std::filesystem::path& file, uid_t uid,
                                         const std::string& user) {
    std::string text;
    try {
        text = fs::read_file(file);
    } catch (const Error&) {
        return std::nullopt;
    }
    for (std::string_view line : text::lines(text)) {
        auto first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string_view::npos || second == std::string_view::npos) continue;
        std::string_view owner = line.substr(0, first);
        if (owner != std::to_string(uid) && (user.empty() || owner != user)) continue;
        std::string start(line.substr(first + 1, second - first - 1)), count(line.substr(second + 1));
        char* end_start = nullptr;
        char* end_count = nullptr;
        unsigned long s = std::strtoul(start.c_str(), &end_start, 10),
                      c = std::strtoul(count.c_str(), &end_count, 10);
        if (start.empty() || *end_start || count.empty() || *end_count || c == 0) continue;
        return IdRange{static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(c)};
    }
    return std::nullopt;
}

IdMapping caller_id_mapping() {
    IdMapping mapping;
    mapping.uid = ::getuid();
    mapping.gid = ::getgid();
    mapping.identity = ::geteuid() == 0;
    if (mapping.identity) return mapping;
    const std::string user = user_name(mapping.uid);
    mapping.subuids = subordinate_range("/etc/subuid", mapping.uid, user);
    mapping.subgids = subordinate_range("/etc/subgid", mapping.uid, user);
    // Both tools and both ranges, or neither: a half mapping is worse than none.
    if (!mapping.subuids || !mapping.subgids || !process::find_program("newuidmap") ||
        !process::find_program("newgidmap")) {
        mapping.subuids.reset();
        mapping.subgids.reset();
    }
    return mapping;
}

void write_id_maps(pid_t child, const IdMapping& mapping) {
    const std::string proc = "/proc/" + std::to_string(child);
    if (mapping.identity) {
        // Every id maps to itself; setgroups stays allowed (root may set it).
        write_proc_file(proc + "/uid_map", "0 0 4294967295\n");
        write_proc_file(proc + "/gid_map", "0 0 4294967295\n");
        return;
    }
    if (mapping.subuids && mapping.subgids) {
        // The setuid helpers check the ranges against /etc/subuid and /etc/subgid themselves.
        const std::string pid = std::to_string(child);
        auto run = [&](const char* tool, unsigned id, const IdRange& range) {
            std::vector<std::string> argv{tool,
                                          pid,
                                          "0",
                                          std::to_string(id),
                                          "1",
                                          "1",
                                          std::to_string(range.start),
                                          std::to_string(range.count)};
            auto result = process::run(argv, {});
            if (!result.ok())
                fail("sandbox: uid/gid maps: {} failed with exit code {}", process::quote_command(argv),
                     result.exit_code);
        };
        run("newuidmap", mapping.uid, *mapping.subuids);
        run("newgidmap", mapping.gid, *mapping.subgids);
        return;
    }
    write_proc_file(proc + "/setgroups", "deny");
    write_proc_file(proc + "/uid_map", fmt::format("0 {} 1\n", mapping.uid));
    write_proc_file(proc + "/gid_map", fmt::format("0 {} 1\n", mapping.gid));
}

}  // namespace xbuild::sandbox
