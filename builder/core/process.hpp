#pragma once
// Running host programs (mmdebstrap, patchelf, git, ...) with their output captured. Each runs
// under a supervisor (supervisor.hpp): it and everything it starts die with xbuild.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::process {

struct RunOptions {
    // Where stdout and stderr go; empty: inherited from xbuild.
    std::filesystem::path log_file;
    // Appended to the log (when set) instead of truncating it.
    bool append_log = false;
    // Extra "KEY=VALUE" entries on top of xbuild's environment.
    std::vector<std::string> extra_env;
    // A directory flock'ed (shared) from before the program starts until it and everything it
    // started are dead: a cleaner that locks it exclusively knows nothing writes there any more.
    std::filesystem::path lock_dir;
    // As root: a private mount namespace for the program, so that the mounts it makes never show
    // on the host and vanish with it.
    bool private_mounts = false;
};

struct Result {
    int exit_code = 0;  // 128+N when killed by signal N
    bool ok() const { return exit_code == 0; }
};

// The exit code of a waitpid status: the program's own, 128+N when killed by signal N, else 1.
int exit_code_of(int wait_status);
// Everything readable from fd until end of file (EINTR retried; a read error ends it).
std::string read_to_end(int fd);

// Runs argv (argv[0] looked up in PATH) and waits; stdin is /dev/null when the output goes to a
// log. Throws Error when it cannot start.
Result run(const std::vector<std::string>& argv, const RunOptions& options = {});
// Runs argv (stdin /dev/null) and returns its stdout; throws Error naming the command if it fails.
std::string capture(const std::vector<std::string>& argv);
// PATH lookup; nullopt when not found or not executable.
std::optional<std::filesystem::path> find_program(const std::string& name);
// The first executable regular file called name in the directories of path_list ("/a:/b"; an empty
// entry is the current directory), as execvp searches; nullopt when there is none.
std::optional<std::filesystem::path> search_path(const std::string& name, std::string_view path_list);
// "a 'b c'" for logs and messages.
std::string quote_command(const std::vector<std::string>& argv);
// Single-quoted for sh -c.
std::string shell_quote(const std::string& word);
// The last n lines of a text file, for failure messages.
std::string tail_lines(const std::filesystem::path& file, int n);

}  // namespace xbuild::process
