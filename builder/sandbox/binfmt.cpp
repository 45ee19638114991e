#include "builder/sandbox/binfmt.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/text.hpp"

namespace xbuild::sandbox {

std::filesystem::path binfmt_dir() {
    return "/proc/sys/fs/binfmt_misc";
}

BinfmtStatus binfmt_status(const Arch& arch) {
    BinfmtStatus status;
    auto dir = binfmt_dir();
    status.entry = fmt::format("qemu-{}", arch.qemu);
    struct stat st;
    status.mounted = ::stat((dir / "status").c_str(), &st) == 0;
    if (!status.mounted) return status;
    std::string text;
    try {
        text = fs::read_file(dir / status.entry);
    } catch (const Error&) {
        return status;
    }
    status.registered = true;
    for (std::string_view line : text::lines(text)) {
        if (line == "enabled")
            status.enabled = true;
        else if (line.starts_with("interpreter "))
            status.interpreter = line.substr(12);
        else if (line.starts_with("flags: "))
            status.fix_binary = line.find('F', 7) != std::string_view::npos;
    }
    // The global switch: "echo 0 > status" disables every entry.
    try {
        if (fs::read_file(dir / "status").rfind("enabled", 0) != 0) status.enabled = false;
    } catch (const Error&) {
    }
    return status;
}

std::string binfmt_fix(const Arch& arch, const BinfmtStatus& status) {
    if (!status.mounted)
        return fmt::format("mount -t binfmt_misc binfmt_misc {} && update-binfmts --enable {}",
                           binfmt_dir().string(), status.entry);
    if (!status.registered)
        return fmt::format("apt-get install qemu-user-static binfmt-support && update-binfmts --enable {}",
                           status.entry);
    (void)arch;
    return fmt::format("update-binfmts --enable {}", status.entry);
}

BinfmtStatus require_binfmt(const Arch& arch) {
    if (&arch == &host_arch()) return {};
    BinfmtStatus status = binfmt_status(arch);
    if (status.mounted && status.registered && status.enabled) return status;
    std::string problem = !status.mounted      ? "binfmt_misc is not mounted"
                          : !status.registered ? "no binfmt_misc entry " + status.entry
                                               : "binfmt_misc entry " + status.entry + " is disabled";
    fail("cannot run {} code on this {} host: {} (fix: {})", arch.debian, host_arch().debian, problem,
         binfmt_fix(arch, status));
}

}  // namespace xbuild::sandbox
